'use strict';
document.getElementById('greet').addEventListener('click', () => {
  const name = document.getElementById('name').value;
  document.getElementById('out').textContent = '你好，' + name + '！';
  setTimeout(() => { document.getElementById('later').disabled = false; }, 300);
});
document.getElementById('later').addEventListener('click', () => {
  document.getElementById('status').textContent = '稍后按钮已点击';
});
document.getElementById('ask').addEventListener('click', () => {
  const ok = window.confirm('确定吗？');
  document.getElementById('status').textContent = ok ? '已确认' : '已取消';
});
document.querySelector('select[name=city]').addEventListener('change', (e) => {
  document.getElementById('status').textContent = '城市：' + e.target.value;
});
