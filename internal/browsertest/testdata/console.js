'use strict';
console.log('just a log line');
console.error('boom from console.js', 42);
