import { css } from 'lit';

export const incomingCallsStyles = css`
  :host {
    max-width: 52rem;
    min-width: 0;
  }
  h2 {
    font-size: 1.2rem;
    margin: 0 0 0.75rem;
  }
  .field .last-caller {
    flex-direction: row;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
  }
  .last-caller output {
    font-family: ui-monospace, monospace;
  }
  camgate-audio-messages {
    margin-top: 1rem;
  }
  dialog {
    border: 1px solid var(--camgate-border, #8a8f98);
    border-radius: 0.75rem;
    padding: 1rem 1.25rem;
  }
  dialog::backdrop {
    background: rgb(0 0 0 / 35%);
  }
  .actions-grid {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(min(18rem, 100%), 1fr));
    gap: 0.75rem;
  }
  .actions-grid fieldset {
    margin: 0;
  }
  .actions-grid fieldset {
    container-type: inline-size;
  }
  @container (min-width: 16rem) {
    .actions-grid .field {
      grid-template-columns: 7rem minmax(0, 1fr);
    }
  }
  dialog {
    max-width: calc(100vw - 2rem);
    box-sizing: border-box;
  }
`;
