import { css } from 'lit';

/** A 16:9 picture that fits any width (phones too), with the state written over it. */
export const liveViewStyles = css`
  :host {
    display: block;
  }
  .frame {
    position: relative;
    aspect-ratio: 16 / 9;
    width: 100%;
    background: #111;
    border-radius: 0.5rem;
    overflow: hidden;
  }
  video {
    width: 100%;
    height: 100%;
    object-fit: contain;
    display: block;
  }
  .message {
    position: absolute;
    inset: auto 0 0 0;
    margin: 0;
    padding: 0.5rem 0.75rem;
    background: rgb(0 0 0 / 0.65);
    color: #fff;
    font-size: 0.95rem;
  }
`;
