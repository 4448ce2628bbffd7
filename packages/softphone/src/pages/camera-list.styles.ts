import { css } from 'lit';

export const cameraListStyles = css`
  main.list {
    display: flex;
    flex-direction: column;
    align-items: stretch;
    gap: 1rem;
  }
  main.list > section {
    max-width: 30rem;
  }
  .cameras {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(18rem, 1fr));
    gap: 1rem;
  }
  .camera {
    background: #fff;
    border: 1px solid var(--camgate-border, #d0d7de);
    border-radius: 0.75rem;
    overflow: hidden;
  }
  .thumb img {
    display: block;
    width: 100%;
    aspect-ratio: 4 / 3;
    object-fit: cover;
    background: #eaeef2;
  }
  .details {
    padding: 0.6rem 0.85rem;
    display: flex;
    flex-direction: column;
    gap: 0.35rem;
  }
  .details h2 {
    margin: 0;
    font-size: 1.05rem;
  }
  .rename {
    display: flex;
    flex-wrap: wrap;
    gap: 0.4rem;
    align-items: center;
  }
  .buttons {
    display: flex;
    gap: 0.5rem;
  }
  [data-role='sip-address'] {
    font-family: ui-monospace, monospace;
    font-size: 0.9rem;
  }
  .confirm {
    border-top: 1px solid var(--camgate-border, #d0d7de);
    padding-top: 0.4rem;
  }
  .confirm p {
    margin: 0 0 0.4rem;
  }
  button.danger {
    background: #cf222e;
    border-color: #cf222e;
    color: #fff;
  }
`;
