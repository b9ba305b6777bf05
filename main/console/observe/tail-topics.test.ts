import { describe, expect, it } from 'vitest';
import { tailTopicsOf } from './tail-topics.js';

describe('tailTopicsOf', () => {
  it('follows every topic of a small cluster', () => {
    expect(tailTopicsOf(['a', 'b', 'c'], ['b'], 3)).toEqual(['a', 'b', 'c']);
  });

  it('follows only the shown topics that exist on a big cluster', () => {
    expect(tailTopicsOf(['a', 'b', 'c', 'd'], ['b', 'd', 'gone'], 3)).toEqual(['b', 'd']);
  });
});
