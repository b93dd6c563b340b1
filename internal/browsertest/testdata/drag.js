'use strict';
window.dragEvents = [];
const handle = document.getElementById('handle');
let startX = null;
handle.addEventListener('mousedown', (e) => {
  window.dragEvents.push('mousedown');
  startX = e.clientX;
});
document.addEventListener('mousemove', (e) => {
  if (startX === null) return;
  if (window.dragEvents[window.dragEvents.length - 1] !== 'mousemove') window.dragEvents.push('mousemove');
  handle.style.left = Math.max(0, Math.min(260, e.clientX - startX)) + 'px';
});
document.addEventListener('mouseup', () => {
  if (startX === null) return;
  window.dragEvents.push('mouseup');
  startX = null;
  document.getElementById('drag-status').textContent = '拖到 ' + parseInt(handle.style.left, 10);
});
