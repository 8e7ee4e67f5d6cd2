import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig, loadEnv } from 'vite';

// `npm run dev` proxies /api to a running Urumi API (URUMI_API_PROXY, default the API's default
// address), so the dashboard talks to it same-origin as in production. SSE passes through unbuffered.
export default defineConfig(({ mode }) => {
  const target = loadEnv(mode, '.', 'URUMI_').URUMI_API_PROXY ?? 'http://127.0.0.1:8080';
  return {
    plugins: [react(), tailwindcss()],
    server: { host: '127.0.0.1', proxy: { '/api': { target } } },
    preview: { host: '127.0.0.1', proxy: { '/api': { target } } },
  };
});
