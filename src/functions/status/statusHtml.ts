// The status page's shared HTML: escaping, the page frame (headings, navigation, styles) and the little script
// that replaces a photo that is not there with words. Server-rendered, so the page works with script off too.

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const style = `
body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem 1.5rem;color:#1b1b1b}
a{color:#0b5cad} nav a{margin-right:1rem}
:focus-visible{outline:3px solid #0b5cad;outline-offset:2px}
form.search{display:flex;gap:.5rem;align-items:end;flex-wrap:wrap;margin:1rem 0}
label{display:block;font-weight:600} input,select,button{font:inherit;padding:.35rem .6rem}
button{cursor:pointer;border:1px solid #0b5cad;background:#0b5cad;color:#fff;border-radius:4px}
button.danger{background:#a4262c;border-color:#a4262c}
.photos{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:1rem}
.photos section{border:1px solid #ccc;border-radius:6px;padding:.75rem}
.photos h3{margin:.1rem 0 .5rem;font-size:1.05rem}
.thumbs{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}
.missing{display:inline-block;color:#555;border:1px dashed #999;padding:1rem;border-radius:4px}
.state{font-weight:700;text-transform:uppercase;font-size:.85rem}
.state-written{color:#107c10}.state-failed{color:#a4262c}.state-pending,.state-waiting{color:#8a5300}
.state-removed{color:#107c10}.state-removal-failed{color:#a4262c}.state-removing,.state-scheduled{color:#8a5300}
a.danger{color:#a4262c;font-weight:600}
table{border-collapse:collapse;width:100%} th,td{text-align:left;border-bottom:1px solid #ddd;padding:.3rem .5rem;vertical-align:top}
[role=status],[role=alert]{padding:.5rem .75rem;border-radius:4px;background:#f3f2f1}
`;

const script = `
document.querySelectorAll('img[data-photo]').forEach(function (img) {
  function missing() {
    var span = document.createElement('span');
    span.className = 'missing';
    span.textContent = img.getAttribute('data-missing') || 'No photo';
    img.replaceWith(span);
  }
  if (img.complete && img.naturalWidth === 0) missing(); else img.addEventListener('error', missing);
});
document.querySelectorAll('form[data-confirm]').forEach(function (form) {
  form.addEventListener('submit', function (event) {
    if (!window.confirm(form.getAttribute('data-confirm'))) event.preventDefault();
  });
});
`;

export function htmlPage(title: string, main: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${style}</style></head>
<body><nav aria-label="Status views"><a href="/api/status">Find a person</a><a href="/api/status/drops">Recent drops</a></nav>
<main>${main}</main>
<script>${script}</script></body></html>`;
}
