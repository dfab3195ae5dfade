/** Share-link wording shared by the share dialog and its tests. */

/** Expiry choices of the share dialog (days; null = never). */
export const EXPIRY_CHOICES = [
  { days: 7, label: '7 days' },
  { days: 1, label: '1 day' },
  { days: 30, label: '30 days' },
  { days: null, label: 'Never' },
]

/** "in 3 days" / "on 4 Dec 2026" / "never": when a link stops working. */
export function expiryText(expiresAt, now = Date.now()) {
  if (!expiresAt) return 'never expires'
  const t = new Date(expiresAt).getTime()
  const days = Math.round((t - now) / 86_400_000)
  const date = new Date(expiresAt).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' })
  if (t <= now) return `expired ${date}`
  if (days <= 1) return 'expires within a day'
  return `expires in ${days} days (${date})`
}
