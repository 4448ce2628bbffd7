import { css } from 'lit';

export const softphoneStyles = css`
  :host {
    max-width: 24rem;
    box-sizing: border-box;
    min-width: 0;
  }
  .media {
    margin: 0.25rem 0;
    font-size: 0.9rem;
  }
  .media[data-media='connected'] {
    color: #1a7f37;
  }
  .media[data-media='failed'],
  .media[data-media='interrupted'] {
    color: #cf222e;
  }
  .pin-entry {
    margin: 0.25rem 0;
    font-size: 1.25rem;
    letter-spacing: 0.2em;
  }
  .notice {
    margin: 0.25rem 0;
    color: #9a6700;
  }
  h2 {
    font-size: 1.1rem;
    margin: 0 0 0.5rem;
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
    margin: 0.5rem 0;
  }
  button.call {
    background: #1a7f37;
    border-color: #1a7f37;
    color: #fff;
  }
  button.hangup {
    background: #cf222e;
    border-color: #cf222e;
    color: #fff;
  }
  .modes button {
    padding: 0.4rem 0.6rem;
  }
  .modes button[aria-pressed='true'] {
    background: var(--camgate-accent, #2563eb);
    border-color: var(--camgate-accent, #2563eb);
    color: #fff;
  }
  .status {
    margin: 0.25rem 0;
  }
  meter {
    width: 8rem;
    max-width: 100%;
  }
  .captions {
    min-height: 4rem;
    max-height: 10rem;
    overflow-y: auto;
    padding: 0.4rem;
    border: 1px solid var(--camgate-border, #8a8f98);
    border-radius: 0.4rem;
    background: var(--camgate-muted-bg, #f6f8fa);
  }
  .captions p {
    margin: 0.15rem 0;
  }
  /* The camera's picture above the keypad; the latest captions over its lower edge. */
  .picture {
    position: relative;
    margin: 0.5rem 0;
  }
  .picture[hidden] {
    display: none;
  }
  .picture video {
    display: block;
    width: 100%;
    aspect-ratio: 16 / 9;
    background: #000;
    border-radius: 0.4rem;
  }
  .caption-overlay {
    position: absolute;
    left: 0;
    right: 0;
    bottom: 1.5rem;
    padding: 0 0.5rem;
    color: #fff;
    text-align: center;
    text-shadow: 0 0 3px #000, 0 0 3px #000;
  }
  .caption-overlay p {
    margin: 0.1rem 0;
  }
  .error {
    color: #cf222e;
    font-weight: 600;
  }
  /* Locked out is not a glitch to retry at once: it stands out as a banner. */
  .error[data-end='locked-out'] {
    padding: 0.5rem 0.75rem;
    border: 2px solid #cf222e;
    border-radius: 0.4rem;
    background: #ffebe9;
  }
  .error[data-end='locked-out']::before {
    content: '🔒 ';
  }
  camgate-keypad {
    margin: 0.5rem 0;
  }
  /* The camera calling (doorbell, alarm): hard to miss. */
  .incoming {
    padding: 0.5rem 0.75rem;
    border: 2px solid #1a7f37;
    border-radius: 0.4rem;
    background: #dafbe1;
  }
  .incoming p {
    margin: 0 0 0.5rem;
  }
`;
