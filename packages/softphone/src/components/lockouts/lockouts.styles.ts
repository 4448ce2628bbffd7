import { css } from 'lit';

export const lockoutsStyles = css`
  h2 {
    font-size: 1.05rem;
    margin: 0 0 0.5rem;
  }
  ul {
    list-style: none;
    padding: 0;
    margin: 0;
  }
  li {
    display: flex;
    flex-wrap: wrap;
    gap: 0.25rem 0.75rem;
    align-items: center;
    padding: 0.35rem 0;
    border-bottom: 1px solid var(--camgate-border, #d0d7de);
  }
  .who {
    flex: 1 1 12rem;
    min-width: 0;
    overflow-wrap: anywhere;
  }
  .kind {
    color: var(--camgate-muted, #57606a);
  }
  .label {
    font-family: ui-monospace, monospace;
  }
`;
