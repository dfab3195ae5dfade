import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { authApi } from '@/api/endpoints/auth'
import { endSession, setSessionUser } from '@/lib/session-caches'

/** The signed-in user (shared by the navbar, the router guard and the login view). */
export const useAuthStore = defineStore('auth', () => {
  /** @type {import('vue').Ref<{id: any, username: string, is_staff: boolean, roles: string[]} | null>} */
  const user = ref(null)
  const loaded = ref(false)
  /** Set when /api/auth/me/ itself failed (server down): the guard still lets the login page show it. */
  const loadError = ref('')
  let pending = null

  const isAuthenticated = computed(() => !!user.value)

  function setFromMe(me) {
    user.value =
      me && me.authenticated
        ? {
            id: me.id,
            username: me.username,
            is_staff: !!me.is_staff,
            roles: Array.isArray(me.roles) ? me.roles : ['user'],
          }
        : null
    // another person in the same tab must not be shown the previous one's cached results
    setSessionUser(user.value ? user.value.id : null)
  }

  async function refresh() {
    try {
      setFromMe(await authApi.me())
      loadError.value = ''
    } catch (e) {
      user.value = null
      loadError.value = e.message
    } finally {
      loaded.value = true
    }
  }

  function ensureLoaded() {
    if (loaded.value) return Promise.resolve()
    if (!pending) pending = refresh().finally(() => (pending = null))
    return pending
  }

  async function login(username, password) {
    const me = await authApi.login(username, password)
    setFromMe(me)
    if (!user.value) throw new Error('Signing in did not work. Please try again.')
    loaded.value = true
    return user.value
  }

  /**
   * Create an account. Open sign-up signs in at once (returns the user); by approval the
   * server's message comes back instead ({pending: true, message}).
   */
  async function signup(username, email, password) {
    const answer = await authApi.signup(username, email, password)
    if (answer && answer.authenticated) {
      setFromMe(answer)
      loaded.value = true
      return { pending: false, user: user.value }
    }
    return { pending: true, message: (answer && answer.detail) || 'Your account waits for approval.' }
  }

  async function logout() {
    try {
      await authApi.logout()
    } finally {
      clear()
    }
  }

  /** The session is over (log-out, or a 401 from the API): forget the user and their cached data. */
  function clear() {
    user.value = null
    loaded.value = true
    endSession()
  }

  return { user, loaded, loadError, isAuthenticated, ensureLoaded, refresh, login, signup, logout, clear }
})
