// address-region.js — the region picker of 收件地址 (账号设置) without a round trip.
//
// Without JavaScript the picker works as it is: 更新地区选项 sends the form back and
// the server fills the next select. With it, choosing a province fills the cities
// and choosing a city fills the counties at once, from the choices the server put
// on the form (the same ones it accepts), so the button and its hint are hidden.
// It reads:
//
//   data-addr-regions   on the form: {"cities": {province: [[code, name]…]},
//                       "counties": {city: [[code, name]…]}}
//   data-addr-refresh   the 更新地区选项 button and its hint
(function () {
  'use strict';

  function fill(select, choices) {
    while (select.options.length > 1) {
      select.remove(1);
    }
    (choices || []).forEach(function (c) {
      select.add(new Option(c[1], c[0]));
    });
    select.value = '';
  }

  function wire(form) {
    var regions;
    try {
      regions = JSON.parse(form.getAttribute('data-addr-regions'));
    } catch (e) {
      return;
    }
    var province = form.querySelector('select[name="province"]');
    var city = form.querySelector('select[name="city"]');
    var county = form.querySelector('select[name="county"]');
    if (!province || !city || !county || !regions) {
      return;
    }
    province.addEventListener('change', function () {
      fill(city, regions.cities[province.value]);
      fill(county, []);
    });
    city.addEventListener('change', function () {
      fill(county, regions.counties[city.value]);
    });
    Array.prototype.forEach.call(form.querySelectorAll('[data-addr-refresh]'), function (el) {
      el.hidden = true;
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll('form[data-addr-regions]'), wire);
})();
