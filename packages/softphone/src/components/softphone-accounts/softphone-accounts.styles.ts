import { css } from 'lit';

export const softphoneAccountsStyles = css`
  h2 {
    font-size: 1.05rem;
    margin: 0 0 0.5rem;
  }
  td.actions button[aria-pressed='true'] {
    border-color: var(--camgate-accent, #2563eb);
  }
  .embed {
    margin: 0.75rem 0;
  }
  pre {
    margin: 0.25rem 0 0;
    padding: 0.5rem 0.75rem;
    overflow-x: auto;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
    border: 1px solid var(--camgate-border, #d0d7de);
    border-radius: 0.4rem;
    background: var(--camgate-muted-bg, #f6f8fa);
    font-size: 0.85rem;
  }
  pre:focus-visible {
    outline: 3px solid var(--camgate-focus, #2563eb);
  }
  form {
    margin-top: 0.75rem;
  }
  fieldset label {
    display: block;
    margin: 0.2rem 0;
  }
  .cameras {
    display: flex;
    flex-wrap: wrap;
    gap: 0 1rem;
    margin: 0.2rem 0 0 1.5rem;
  }
`;
