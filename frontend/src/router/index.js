import { createRouter, createWebHistory } from 'vue-router'
import { useAuthStore } from '@/stores/auth'

// Client routes live at the site root ("/"), while the built assets live under /static/:
// so the history base is "/" and not import.meta.env.BASE_URL.
const routes = [
  {
    path: '/',
    name: 'explore',
    component: () => import('@/modules/explore/ExploreView.vue'),
    meta: { title: 'Explore', requiresAuth: true },
  },
  {
    path: '/explain',
    name: 'explain',
    component: () => import('@/modules/explain/ExplainView.vue'),
    meta: { title: 'Explain', requiresAuth: true },
  },
  {
    path: '/evaluate',
    name: 'evaluate',
    component: () => import('@/modules/evaluate/EvaluateView.vue'),
    meta: { title: 'Evaluate', requiresAuth: true },
  },
  {
    path: '/compare',
    name: 'compare',
    component: () => import('@/modules/compare/CompareView.vue'),
    meta: { title: 'Compare', requiresAuth: true },
  },
  {
    path: '/build',
    name: 'build',
    component: () => import('@/modules/build/BuildView.vue'),
    meta: { title: 'Build & train', requiresAuth: true },
  },
  {
    path: '/neighbourhood',
    name: 'neighbourhood',
    component: () => import('@/modules/neighbourhood/NeighbourhoodView.vue'),
    meta: { title: 'Why this answer?', requiresAuth: true },
  },
  {
    path: '/learn',
    name: 'learn',
    component: () => import('@/modules/learn/LearnView.vue'),
    meta: { title: 'Learn', requiresAuth: true },
  },
  {
    path: '/learn/playground',
    name: 'playground',
    component: () => import('@/modules/learn/PlaygroundView.vue'),
    meta: { title: 'Convolution playground', requiresAuth: true },
  },
  {
    path: '/lessons',
    name: 'lessons',
    component: () => import('@/modules/lessons/LessonsView.vue'),
    meta: { title: 'Lessons', requiresAuth: true },
  },
  {
    path: '/models',
    name: 'models',
    component: () => import('@/modules/models/ModelsView.vue'),
    meta: { title: 'Models', requiresAuth: true },
  },
  {
    // a share link: no login, no page links in the navbar (shared: true)
    path: '/s/:token',
    name: 'shared',
    component: () => import('@/modules/share/SharedView.vue'),
    meta: { title: 'Shared', public: true, shared: true },
  },
  {
    path: '/login',
    name: 'login',
    component: () => import('@/modules/auth/LoginView.vue'),
    meta: { title: 'Sign in', public: true },
  },
  {
    path: '/reset/:uid/:token',
    name: 'reset-password',
    component: () => import('@/modules/auth/ResetPasswordView.vue'),
    meta: { title: 'Choose a new password', public: true },
  },
  {
    path: '/account/password',
    name: 'change-password',
    component: () => import('@/modules/auth/ChangePasswordView.vue'),
    meta: { title: 'Change password', requiresAuth: true },
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('@/modules/common/NotFoundView.vue'),
    meta: { title: 'Not found', public: true },
  },
]

const router = createRouter({
  history: createWebHistory('/'),
  routes,
})

router.beforeEach(async (to) => {
  const auth = useAuthStore()
  await auth.ensureLoaded()
  if (to.meta.requiresAuth && !auth.isAuthenticated) {
    return { name: 'login', query: { next: to.fullPath } }
  }
  if (to.name === 'login' && auth.isAuthenticated) {
    return safeNext(to.query.next)
  }
  return true
})

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} · ConvScope` : 'ConvScope'
})

/** Only follow same-site relative paths after login (no open redirects). */
export function safeNext(next) {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') ? next : '/'
}

export default router
