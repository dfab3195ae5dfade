import { fileURLToPath, URL } from 'node:url'
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

const BACKEND = process.env.CONVSCOPE_BACKEND || 'http://127.0.0.1:8000'

/**
 * Writes .gz and .br beside every built script, style and page. WhiteNoise serves them to
 * browsers that accept them, also when it reads dist/ directly (DEBUG, `make dev`, the
 * benchmarks): Bootstrap's CSS goes from 235 kB to 24 kB on a first, cold load.
 */
function precompress() {
  return {
    name: 'convscope-precompress',
    apply: 'build',
    closeBundle() {
      const walk = (dir) =>
        readdirSync(dir).flatMap((name) => {
          const path = join(dir, name)
          return statSync(path).isDirectory() ? walk(path) : [path]
        })
      for (const path of walk(fileURLToPath(new URL('./dist', import.meta.url)))) {
        if (!/\.(js|css|html|svg|json)$/.test(path)) continue
        const body = readFileSync(path)
        if (body.length < 1024) continue
        writeFileSync(`${path}.gz`, gzipSync(body, { level: 9 }))
        writeFileSync(
          `${path}.br`,
          brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        )
      }
    },
  }
}

// Django serves the built app through WhiteNoise: assets live under /static/,
// and dist/index.html is the SPA shell returned for "/" and every client route.
// The dev server keeps "/" as its base so http://localhost:5173/ just works.
export default defineConfig(({ command }) => ({
  base: command === 'build' ? '/static/' : '/',
  plugins: [vue(), precompress()],
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
