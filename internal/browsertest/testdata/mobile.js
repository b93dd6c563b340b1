'use strict';
document.getElementById('scan').addEventListener('click', () => {
  document.getElementById('m-out').textContent = '已扫码 ' + window.innerWidth;
});
