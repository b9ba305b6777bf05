// Manifest sentences mark names with backticks (`error`, `LAB_BROKEN_MODE`): shown as code.
import type { ReactNode } from 'react';

export function withCode(text: string): ReactNode {
  const parts = text.split('`');
  if (parts.length < 3) return text;
  // an odd count of backticks leaves the last one as it is
  return parts.map((p, i) => (i % 2 === 1 && i < parts.length - 1 ? <code key={i}>{p}</code> : p));
}
