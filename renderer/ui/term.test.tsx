// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { GLOSSARY } from './glossary';
import { Term } from './term';

afterEach(cleanup);

describe('Term', () => {
  it('explains the word on keyboard focus and hides the explanation on blur', () => {
    render(<Term term="lag" />);
    const word = screen.getByText('lag');
    expect(screen.queryByRole('tooltip')).toBeNull();
    fireEvent.focus(word);
    expect(screen.getByRole('tooltip').textContent).toBe(GLOSSARY.lag);
    fireEvent.blur(word);
    expect(screen.queryByRole('tooltip')).toBeNull();
  });
});
