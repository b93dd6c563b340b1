// delegation-grant.js — the per-category 全选 of 业务授权 on the agent form (经办人管理).
//
// Without JavaScript the form works as it is: a ticked 全选 (name="all") grants every
// item of its category on the server. With it, ticking or clearing 全选 ticks or
// clears the category's items at once, and ticking the items by hand keeps 全选 in
// step (ticked when all are, cleared otherwise), so what the boxes show is what is
// granted. It reads:
//
//   data-dlg-category   the fieldset of one category
//   data-dlg-all        its 全选 box
//   data-dlg-item       the box of one business item
(function () {
  'use strict';

  function wire(group) {
    var all = group.querySelector('input[data-dlg-all]');
    var items = Array.prototype.slice.call(group.querySelectorAll('input[data-dlg-item]'));
    if (!all || items.length === 0) {
      return;
    }
    function sync() {
      var n = items.filter(function (box) { return box.checked; }).length;
      all.checked = n === items.length;
      all.indeterminate = n > 0 && n < items.length;
    }
    all.addEventListener('change', function () {
      items.forEach(function (box) { box.checked = all.checked; });
      all.indeterminate = false;
    });
    items.forEach(function (box) { box.addEventListener('change', sync); });
    // A category whose 全选 came back ticked from the server has every item ticked
    // already; otherwise show the partial state.
    if (!all.checked) {
      sync();
    }
  }

  document.querySelectorAll('[data-dlg-category]').forEach(wire);
})();
