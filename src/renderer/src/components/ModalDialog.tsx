import { useEffect, useRef, type ReactNode } from 'react'

const FOCUSABLE = 'button, [href], input, select, textarea, [tabindex]'

/**
 * A native modal <dialog>: the rest of the page is inert while it is open (focus stays
 * inside), Esc cancels, Tab goes round its controls, and the focus goes back to where it was when it closes. The
 * element marked data-autofocus gets the focus first.
 */
export function ModalDialog({
  labelledBy,
  className,
  onClose,
  closeOnBackdrop = false,
  children,
  testId
}: {
  labelledBy: string
  className?: string
  onClose: () => void
  closeOnBackdrop?: boolean
  children: ReactNode
  testId?: string
}) {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const dialog = ref.current
    if (!dialog) return
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null
    if (!dialog.open) dialog.showModal()
    dialog.querySelector<HTMLElement>('[data-autofocus]')?.focus()
    return () => {
      if (dialog.open) dialog.close()
      if (before?.isConnected) before.focus()
    }
  }, [])
  return (
    <dialog
      ref={ref}
      className={`modal ${className ?? ''}`}
      aria-labelledby={labelledBy}
      data-testid={testId}
      onCancel={(e) => {
        // Esc: React state decides whether the dialog exists, so close through it.
        e.preventDefault()
        onClose()
      }}
      onKeyDown={(e) => {
        // A modal <dialog> makes the page inert but lets Tab leave for the browser's own
        // controls; keep the focus going round the dialog's controls instead.
        if (e.key !== 'Tab') return
        const focusable = [...e.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
          (el) => !el.hasAttribute('disabled') && el.tabIndex >= 0
        )
        const first = focusable[0]
        const last = focusable[focusable.length - 1]
        if (!first || !last) return
        if (e.shiftKey && document.activeElement === first) {
          e.preventDefault()
          last.focus()
        } else if (!e.shiftKey && document.activeElement === last) {
          e.preventDefault()
          first.focus()
        }
      }}
      onClick={(e) => {
        if (closeOnBackdrop && e.target === e.currentTarget) onClose()
      }}
    >
      {children}
    </dialog>
  )
}
