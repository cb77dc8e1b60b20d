import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/** A side panel on the native modal <dialog>: focus moves in, Escape closes, focus returns. */
export function Drawer({ title, open, onClose, children }: { title: string; open: boolean; onClose: () => void; children: ComponentChildren }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) element.showModal();
    if (!open && element.open) element.close();
  }, [open]);
  return (
    <dialog ref={dialog} class="drawer" aria-label={title} onClose={onClose}>
      <div class="drawer-head">
        <h2>{title}</h2>
        <button type="button" class="secondary" onClick={onClose}>
          Close
        </button>
      </div>
      <div class="drawer-body">{open ? children : null}</div>
    </dialog>
  );
}
