// Copy buttons, as a progressive enhancement: a `<button data-copy="ID" hidden>` copies the value
// of the field ID and says so in the element `data-status` names. Without JavaScript the button
// stays hidden and the read-only field is there to select and copy by hand.
for (const button of document.querySelectorAll('button[data-copy]')) {
  const field = document.getElementById(button.dataset.copy);
  const status = document.getElementById(button.dataset.status);
  if (!field) continue;
  const say = (text) => { if (status) status.textContent = text; };
  field.addEventListener('focus', () => field.select());
  button.addEventListener('click', async () => {
    field.select();
    try {
      // The clipboard API needs a secure context (HTTPS or localhost); elsewhere the older
      // command still copies the selection.
      if (navigator.clipboard && window.isSecureContext) await navigator.clipboard.writeText(field.value);
      else if (!document.execCommand('copy')) throw new Error('copy refused');
      say('Copied.');
    } catch {
      say('Could not copy: the text is selected, copy it with Ctrl+C (⌘C on a Mac).');
    }
  });
  button.hidden = false;
}
