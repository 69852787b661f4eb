// Comptoir's only script: keyboard and scanner handling for the till, the
// PIN pad, and the CSRF header on every htmx request. No framework.
(function () {
  'use strict';
  var GS = '\u001d';

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') : '';
  }

  document.addEventListener('htmx:configRequest', function (e) {
    e.detail.headers['X-CSRF-Token'] = csrf();
  });

  function scanField() {
    return document.getElementById('scan');
  }

  // The scan field has the focus whenever nothing else that takes typing does.
  function refocus() {
    var scan = scanField();
    if (!scan) return;
    var a = document.activeElement;
    var typing = a && a !== scan && (a.tagName === 'INPUT' || a.tagName === 'TEXTAREA' || a.tagName === 'SELECT');
    if (!typing) scan.focus();
  }
  document.addEventListener('htmx:afterSettle', refocus);
  document.addEventListener('click', function () {
    setTimeout(refocus, 0);
  });

  function formatFcfa(n) {
    var s = String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0');
    return (n < 0 ? '-' : '') + s + '\u00a0FCFA';
  }

  function updateChange() {
    var totalEl = document.getElementById('cart-total');
    var tendered = document.getElementById('tendered');
    var out = document.getElementById('change-preview');
    if (!totalEl || !tendered || !out) return;
    var cash = document.querySelector('#payment input[name="method"]:checked');
    if (!cash || cash.value !== 'cash' || tendered.value === '') {
      out.textContent = '—';
      return;
    }
    out.textContent = formatFcfa(Number(tendered.value) - Number(totalEl.getAttribute('data-total')));
  }
  document.addEventListener('input', function (e) {
    if (e.target && e.target.id === 'tendered') updateChange();
  });
  document.addEventListener('change', function (e) {
    if (e.target && e.target.name === 'method') updateChange();
  });
  document.addEventListener('htmx:afterSettle', updateChange);

  document.addEventListener('click', function (e) {
    var step = e.target.closest && e.target.closest('.step');
    if (step) {
      var input = step.parentNode.querySelector('input[name="quantity"]');
      input.value = Math.max(0, Number(input.value) + Number(step.getAttribute('data-step')));
      input.dispatchEvent(new Event('change', { bubbles: true }));
      return;
    }
    var key = e.target.closest && e.target.closest('.pinpad .key');
    if (key) {
      var pin = document.getElementById('pin');
      if (key.getAttribute('data-action') === 'erase') pin.value = pin.value.slice(0, -1);
      else if (key.getAttribute('data-digit')) pin.value = (pin.value + key.getAttribute('data-digit')).slice(0, 8);
      pin.focus();
    }
  });

  document.addEventListener('keydown', function (e) {
    var scan = scanField();
    // Scanners type the GS1 group separator as Ctrl+]; the browser would drop it.
    if (e.target === scan && ((e.ctrlKey && (e.key === ']' || e.code === 'BracketRight')) || e.key === GS)) {
      e.preventDefault();
      var start = scan.selectionStart, end = scan.selectionEnd;
      scan.value = scan.value.slice(0, start) + GS + scan.value.slice(end);
      scan.setSelectionRange(start + 1, start + 1);
      return;
    }
    if (e.key === 'F2') {
      var pay = document.getElementById('payment');
      if (pay) {
        e.preventDefault();
        pay.requestSubmit();
      }
    } else if (e.key === 'Escape' && document.body.getAttribute('data-page') === 'caisse') {
      e.preventDefault();
      if (window.htmx) window.htmx.ajax('POST', '/caisse/vider', { target: '#cart', swap: 'outerHTML' });
      if (scan) scan.value = '';
    }
  });

  document.addEventListener('scan-done', function () {
    var scan = scanField();
    if (scan) {
      scan.value = '';
      scan.focus();
    }
  });

  // After a sale: the receipt opens (the keypress or click that paid allows the window).
  document.addEventListener('sale-completed', function (e) {
    if (e.detail && e.detail.open) window.open(e.detail.receiptUrl, '_blank', 'noopener');
    refocus();
  });
})();
