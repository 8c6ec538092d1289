import { z } from 'zod'

/**
 * Notifications: what an operator who looked away must learn at once (a destination
 * dropped, a channel errored, the runway is about to run out, a generation job failed
 * for good). Main decides and rate-limits (one per cause per minute); every window,
 * browser tab and the desktop shell get the same stream of these events.
 */

export const notificationKindSchema = z.enum(['destination-dropped', 'channel-error', 'runway-low', 'job-failed'])
export type NotificationKind = z.infer<typeof notificationKindSchema>

export const notificationSchema = z
  .object({
    /** raise: show it (in the app and as a system notification); clear: the cause is over, drop its notice. */
    action: z.enum(['raise', 'clear']),
    /** kind:channel:subject (destination id, job id, or '-'): two destinations dropping are two causes. */
    cause: z.string().min(1).max(200),
    kind: notificationKindSchema,
    channelId: z.number().int().positive(),
    level: z.enum(['info', 'warning', 'error']),
    /** Plain text, never a stream key or a URL carrying one. */
    title: z.string().min(1).max(200),
    body: z.string().max(1000),
    at: z.number()
  })
  .strict()
export type StudioNotification = z.infer<typeof notificationSchema>

export const notificationEvents = {
  'notifications.notification': notificationSchema
}
