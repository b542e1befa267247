import { useEffect, useRef, type ReactNode, type RefObject } from 'react';

interface ModalProps {
  /** Id of the element naming the dialog. */
  labelledBy: string;
  describedBy?: string;
  onClose: () => void;
  /** Focused when the dialog opens; the first focusable element otherwise. */
  initialFocus?: RefObject<HTMLElement | null>;
  /** A click on the backdrop closes it (not for forms, where typing would be lost). */
  dismissOnBackdrop?: boolean;
  size?: 'small' | 'large';
  children: ReactNode;
}

/** Where focus lands on opening: a field to type in before a button to press. */
const FOCUS_ORDER = ['[autofocus]', 'input:not([type="hidden"]):not([disabled])', 'select, textarea', 'button:not([disabled])'];

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * A modal `<dialog>`: the browser keeps focus inside and the page behind inert;
 * Escape closes it, and focus goes back where it was before it opened.
 */
export function Modal({
  labelledBy,
  describedBy,
  onClose,
  initialFocus,
  dismissOnBackdrop = false,
  size = 'small',
  children,
}: ModalProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const onCloseRef = useRef(onClose);
  useEffect(() => {
    onCloseRef.current = onClose;
  });

  useEffect(() => {
    const element = dialog.current;
    if (element === null) return undefined;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!element.open) element.showModal();
    const target =
      initialFocus?.current ??
      FOCUS_ORDER.map((selector) => element.querySelector<HTMLElement>(selector)).find((found) => found !== null);
    target?.focus();

    const onCancel = (event: Event) => {
      event.preventDefault();
      onCloseRef.current();
    };
    // The page behind is inert, but Tab would still leave for the browser's
    // own controls; keep it cycling inside the dialog.
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Tab') return;
      const focusable = [...element.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
        (candidate) => candidate.offsetParent !== null || candidate === document.activeElement,
      );
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      if (first === undefined || last === undefined) return;
      if (event.shiftKey && (document.activeElement === first || !element.contains(document.activeElement))) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    };
    element.addEventListener('cancel', onCancel);
    element.addEventListener('keydown', onKeyDown);
    return () => {
      element.removeEventListener('cancel', onCancel);
      element.removeEventListener('keydown', onKeyDown);
      if (element.open) element.close();
      if (opener !== null && opener.isConnected) opener.focus();
    };
    // Opened once per mount: the parent unmounts the modal to close it.
  }, []);

  return (
    <dialog
      ref={dialog}
      className={`modal modal--${size}`}
      aria-labelledby={labelledBy}
      aria-describedby={describedBy}
      onClick={(event) => {
        if (dismissOnBackdrop && event.target === dialog.current) onCloseRef.current();
      }}
    >
      <div className="modal__body">{children}</div>
    </dialog>
  );
}
