'use strict';
throw new TypeError('kaboom in throw.js');
