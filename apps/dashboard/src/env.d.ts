/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Base URL of the Urumi API, `/api` included; unset → same origin `/api`. */
  readonly VITE_API_URL?: string;
}
