/** zod's default messages ("Too small: expected string to have >=1 characters") in plain words. */
import type { z } from 'zod';

export function plainMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'Required.';
      if (issue.origin === 'array') return `Enter at least ${issue.minimum}.`;
      if (issue.origin === 'number') return `Must be at least ${issue.minimum}.`;
      return issue.message;
    case 'too_big':
      if (issue.origin === 'number') return `Must be at most ${issue.maximum}.`;
      if (issue.origin === 'string') return `At most ${issue.maximum} characters.`;
      if (issue.origin === 'array') return `At most ${issue.maximum} entries.`;
      return issue.message;
    case 'invalid_type':
      return issue.expected === 'number' ? 'Enter a number.' : issue.message;
    case 'not_multiple_of':
      return `Must be a multiple of ${issue.divisor}.`;
    case 'invalid_format':
      if (issue.format === 'email') return 'Enter an email address.';
      if (issue.format === 'url') return 'Enter an http:// or https:// URL, or leave it empty.';
      return issue.message;
    default:
      return issue.message;
  }
}
