import { css } from 'lit';

export const cameraPageStyles = css`
  :host {
    display: block;
    min-height: 100vh;
    background: var(--camgate-page-bg, #f6f8fa);
  }
  header {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 1rem;
    padding: 0.75rem 1.25rem;
    background: #24292f;
    color: #fff;
  }
  header h1 {
    font-size: 1.2rem;
    margin: 0;
    flex: 1;
  }
  header button {
    color: #1f2328;
  }
  .live {
    font-size: 0.9rem;
  }
  .live[data-state='connected']::before {
    content: '● ';
    color: #2da44e;
  }
  .live[data-state='connecting']::before,
  .live[data-state='disconnected']::before {
    content: '● ';
    color: #d4a72c;
  }
  main {
    display: grid;
    grid-template-columns: minmax(20rem, 26rem) minmax(0, 1fr);
    gap: 1rem;
    padding: 1rem 1.25rem;
    align-items: start;
  }
  /* Tablet and phone: one column, and less frame around it on a phone. */
  @media (max-width: 900px) {
    main {
      grid-template-columns: minmax(0, 1fr);
    }
  }
  @media (max-width: 480px) {
    main {
      padding: 0.5rem;
      gap: 0.5rem;
    }
    header {
      padding: 0.5rem 0.75rem;
      gap: 0.5rem;
    }
  }
  .column {
    display: flex;
    flex-direction: column;
    gap: 1rem;
    min-width: 0;
  }
  section {
    background: #fff;
    border: 1px solid var(--camgate-border, #d0d7de);
    border-radius: 0.75rem;
    padding: 0.75rem 1rem;
  }
  section h2 {
    font-size: 1.05rem;
    margin: 0 0 0.5rem;
  }
  .signin {
    max-width: 22rem;
    margin: 4rem auto;
    box-sizing: border-box;
  }
  @media (max-width: 480px) {
    .signin {
      margin: 1.5rem 0.75rem;
    }
  }
  .signin input {
    width: 100%;
  }
  .outputs li {
    display: flex;
    flex-wrap: wrap;
    gap: 0.25rem 0.75rem;
    align-items: center;
    margin: 0.3rem 0;
  }
  .outputs ul,
  .events ul {
    list-style: none;
    padding: 0;
    margin: 0;
  }
  .output-state[data-active='true'] {
    color: #1a7f37;
    font-weight: 600;
  }
  .events li {
    display: flex;
    flex-wrap: wrap;
    gap: 0.75rem;
    align-items: center;
    padding: 0.35rem 0;
    border-bottom: 1px solid var(--camgate-border, #d0d7de);
  }
  .events img {
    width: 8rem;
    /* Space kept before a lazy picture loads: no layout shift, and it is there to scroll to. */
    aspect-ratio: 16 / 9;
    object-fit: cover;
    border-radius: 0.35rem;
    background: #eaeef2;
  }
  .table-wrap {
    overflow-x: auto;
  }
  @media (max-width: 480px) {
    section {
      padding: 0.6rem;
    }
  }
`;
