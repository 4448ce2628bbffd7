import { css } from 'lit';

export const audioMessagesStyles = css`
  :host {
    display: block;
  }
  audio {
    width: 100%;
    margin-top: 0.5rem;
  }
`;
