// A receipt's photo, taken with the till's or a phone's camera, goes to its expense as the image itself:
// the expense never waits for it, and a photo refused (not an image, too large) says why.
document.addEventListener('change', async (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.dataset.photoUrl || !input.files || input.files.length === 0) return;
  const file = input.files[0];
  const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
  const res = await fetch(input.dataset.photoUrl, { method: 'POST', headers: { 'content-type': file.type || 'application/octet-stream', 'x-csrf-token': csrf }, body: file });
  if (res.ok) return window.location.reload();
  const body = await res.json().catch(() => ({}));
  window.alert(body?.error?.message ?? res.statusText);
});
