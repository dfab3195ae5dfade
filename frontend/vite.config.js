import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

const BACKEND = process.env.CONVSCOPE_BACKEND || 'http://127.0.0.1:8000'

// Django serves the built app through WhiteNoise: assets live under /static/,
// and dist/index.html is the SPA shell returned for "/" and every client route.
// The dev server keeps "/" as its base so http://localhost:5173/ just works.
export default defineConfig(({ command }) => ({
  base: command === 'build' ? '/static/' : '/',
  plugins: [vue()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
  },
  // Vitest: pure modules and composables, no browser (`npm run test`)
  test: {
    environment: 'node',
    include: ['src/**/*.test.js'],
  },
  server: {
    proxy: {
      '/api': BACKEND,
      '/admin': BACKEND,
      '/accounts': BACKEND,
      // uploaded images and sample PNGs, when the backend serves MEDIA_URL itself in development
      '/media': BACKEND,
    },
  },
}))
