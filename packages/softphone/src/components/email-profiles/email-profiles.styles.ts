import { css } from 'lit';

export const emailProfilesStyles = css`
  :host {
    display: block;
  }
  form {
    margin-top: 0.5rem;
  }
`;
