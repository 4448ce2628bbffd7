/**
 * The admin session of a page: checks it when the page appears, signs in and out, and
 * renders the sign-in form. Pages (camera list, camera page) render `signInForm()` until
 * `session.state` is 'signed-in'; `onSignedIn` runs after every sign-in (open the socket).
 */
import { html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit';
import { ApiError, type ApiClient } from '../services/api-client.ts';
import { errorMessage } from '../services/error-message.ts';
import { formatTime } from '../services/format.ts';

export type Session = { state: 'checking' } | { state: 'signed-out' } | { state: 'signed-in'; username: string };

export class SessionController implements ReactiveController {
  session: Session = { state: 'checking' };
  #error = '';

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly options: { api: () => ApiClient; onSignedIn(username: string): void; onSignedOut(): void },
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    void this.#check();
  }

  signInForm() {
    return html`<section class="signin">
      <h2>Sign in to the camera</h2>
      <form @submit=${this.#signIn} aria-label="Sign in">
        <div class="field">
          <label for="username">User name</label>
          <input id="username" name="username" autocomplete="username" value="admin" required />
        </div>
        <div class="field">
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required
            aria-describedby=${this.#error ? 'signin-error' : nothing} />
        </div>
        ${this.#error ? html`<p class="error" id="signin-error" role="alert">${this.#error}</p>` : nothing}
        <div class="buttons"><button type="submit" class="primary">Sign in</button></div>
      </form>
    </section>`;
  }

  async signOut(): Promise<void> {
    await this.options.api().logout().catch(() => undefined);
    this.#set({ state: 'signed-out' });
    this.options.onSignedOut();
  }

  async #check(): Promise<void> {
    try {
      const session = await this.options.api().session();
      if (session) this.#signedIn(session.username);
      else this.#set({ state: 'signed-out' });
    } catch (error) {
      this.#error = errorMessage(error);
      this.#set({ state: 'signed-out' });
    }
  }

  readonly #signIn = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const username = String(form.get('username') ?? '');
    this.#error = '';
    try {
      await this.options.api().login({ username, password: String(form.get('password') ?? '') });
      this.#signedIn(username);
    } catch (error) {
      this.#error = signInFailure(error);
      this.host.requestUpdate();
    }
  };

  #signedIn(username: string): void {
    this.#set({ state: 'signed-in', username });
    this.options.onSignedIn(username);
  }

  #set(session: Session): void {
    this.session = session;
    this.host.requestUpdate();
  }
}

function signInFailure(error: unknown): string {
  if (!(error instanceof ApiError)) return errorMessage(error);
  if (error.status === 401) return 'Wrong user name or password.';
  if (error.status === 429 && error.retryAfterSeconds !== undefined)
    return `Too many failed sign-ins: try again after ${formatTime(Date.now() + error.retryAfterSeconds * 1000)}.`;
  return errorMessage(error);
}
