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

  function num(id) {
    var el = document.getElementById(id);
    return el && el.value !== '' ? Number(el.value) : 0;
  }

  // What the cash part comes to once the ticket discount and the other payments are taken off,
  // rounded to the shop's smallest coin as the server will (halves up).
  function cashDue() {
    var totalEl = document.getElementById('cart-total');
    var form = document.getElementById('payment');
    if (!totalEl || !form) return null;
    var total = Number(totalEl.getAttribute('data-total'));
    var off = num('discount-value');
    var kind = document.getElementById('discount-kind');
    if (off > 0) total -= kind && kind.value === 'percent' ? Math.floor((total * Math.min(off, 100) * 2 + 100) / 200) : Math.min(off, total);
    var due = Math.max(0, total - num('mm-amount') - num('card-amount'));
    var coin = Number(form.getAttribute('data-coin')) || 1;
    return coin > 1 ? Math.floor((due + Math.floor(coin / 2)) / coin) * coin : due;
  }

  function updateChange() {
    var tendered = document.getElementById('tendered');
    var out = document.getElementById('change-preview');
    if (!tendered || !out) return;
    var cash = document.querySelector('#payment input[name="method"]:checked');
    var due = cashDue();
    var dueEl = document.getElementById('cash-due');
    if (dueEl && due !== null) dueEl.textContent = formatFcfa(due);
    if (!cash || cash.value !== 'cash' || tendered.value === '' || due === null) {
      out.textContent = '—';
      return;
    }
    out.textContent = formatFcfa(Number(tendered.value) - due);
  }
  document.addEventListener('input', function (e) {
    if (e.target && e.target.closest && e.target.closest('#payment')) updateChange();
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
    // Enter in the delivery's scan field adds a line rather than submitting the delivery. A key
    // filter in hx-trigger would need eval, which the pages' CSP forbids: the event is sent from here.
    if (e.key === 'Enter' && e.target.id === 'reception-scan') {
      e.preventDefault();
      e.target.dispatchEvent(new Event('scan-enter', { bubbles: true }));
      return;
    }
    var scan = scanField();
    // Scanners type the GS1 group separator as Ctrl+]; the browser would drop it.
    if (e.target === scan && ((e.ctrlKey && (e.key === ']' || e.code === 'BracketRight')) || e.key === GS)) {
      e.preventDefault();
      var start = scan.selectionStart, end = scan.selectionEnd;
      scan.value = scan.value.slice(0, start) + GS + scan.value.slice(end);
      scan.setSelectionRange(start + 1, start + 1);
      return;
    }
    if (e.key === 'F4') {
      // One key to the amount tendered, instead of a dozen Tabs.
      var tendered = document.getElementById('tendered');
      if (tendered) {
        e.preventDefault();
        var cash = document.querySelector('#payment input[name="method"][value="cash"]');
        if (cash) cash.checked = true;
        tendered.focus();
        tendered.select();
      }
    } else if (e.key === 'F6' || e.key === 'F7') {
      // F6: the other payments (mobile money, card); F7: the ticket's discount.
      var box = document.querySelector(e.key === 'F6' ? '#payment details.split' : '#payment details.ticket-discount');
      if (box) {
        e.preventDefault();
        box.open = true;
        var first = document.getElementById(e.key === 'F6' ? 'mm-amount' : 'discount-value');
        first.focus();
        first.select();
      }
    } else if (e.key === 'F2') {
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

  // The cart's version: an answer older than what the page shows is not swapped in (two quick
  // actions may answer out of order), and a live redraw never replaces a field being typed in.
  function versionIn(html) {
    var m = /data-cart-version="(\d+)"/.exec(html);
    return m ? Number(m[1]) : null;
  }
  function shownVersion() {
    var el = document.querySelector('[data-cart-version]');
    return el ? Number(el.getAttribute('data-cart-version')) : null;
  }
  function older(incoming) {
    var shown = shownVersion();
    return incoming !== null && shown !== null && incoming < shown;
  }
  document.addEventListener('htmx:beforeSwap', function (e) {
    var target = e.detail.target;
    if (!target || target.id !== 'cart') return;
    if (older(versionIn(e.detail.serverResponse || ''))) e.detail.shouldSwap = false;
  });
  document.addEventListener('htmx:oobBeforeSwap', function (e) {
    var target = e.detail.target;
    if (!target || (target.id !== 'cart' && target.id !== 'cart-lines-block')) return;
    var holder = document.createElement('div');
    holder.appendChild(e.detail.fragment.cloneNode(true));
    if (older(versionIn(holder.innerHTML))) {
      e.detail.shouldSwap = false;
      return;
    }
    var a = document.activeElement;
    if (target.id === 'cart-lines-block' && a && target.contains(a) && a.tagName === 'INPUT') e.detail.shouldSwap = false;
  });

  // The newest line is the one the cashier is looking at: keep it in view.
  var lineCount = 0;
  document.addEventListener('htmx:afterSettle', function () {
    var list = document.querySelector('.cart-lines');
    var count = list ? list.children.length : 0;
    if (list && count > lineCount) list.lastElementChild.scrollIntoView({ block: 'nearest' });
    lineCount = count;
  });

  document.addEventListener('scan-done', function () {
    var scan = scanField();
    if (scan) {
      scan.value = '';
      scan.focus();
    }
  });

  // After a sale the receipt is shown in the page (no new tab); its button prints it.
  document.addEventListener('sale-completed', function () {
    refocus();
  });
  document.addEventListener('click', function (e) {
    if (e.target.closest && e.target.closest('#print-receipt')) window.print();
  });
})();
