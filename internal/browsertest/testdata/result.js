'use strict';
const q = new URLSearchParams(location.search);
document.getElementById('query').textContent = [...q.entries()].map(([k, v]) => k + '=' + v).join('\n');
