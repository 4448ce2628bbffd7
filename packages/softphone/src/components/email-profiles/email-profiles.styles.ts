import { css } from 'lit';

export const emailProfilesStyles = css`
  :host {
    display: block;
  }
  form {
    margin-top: 0.5rem;
  }
  td.actions {
    white-space: nowrap;
  }
  td.actions button {
    margin-right: 0.25rem;
  }
`;
