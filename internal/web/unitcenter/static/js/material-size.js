// material-size.js — the size of the files chosen on an online application form,
// checked before it is sent.
//
// Without JavaScript the server answers a form whose files together are over its
// limit with the same form, the message beside the file fields (413). With it, the
// form is not sent at all: the same message shows beside each file field with a
// file chosen, tied to it as the server ties its messages (aria-invalid,
// aria-describedby), and the first such field takes the focus. It reads:
//
//   data-files-limit       on the form: the bytes the files may take together
//   data-files-too-large   on the form: the message
(function () {
  'use strict';

  // marked are the fields this script has marked, unmarked on the next check.
  function wire(form) {
    var limit = parseInt(form.getAttribute('data-files-limit'), 10);
    var message = form.getAttribute('data-files-too-large');
    if (!(limit > 0) || !message) {
      return;
    }
    var marked = [];

    function unmark() {
      marked.forEach(function (m) {
        m.input.removeAttribute('aria-invalid');
        m.input.removeAttribute('aria-describedby');
        m.note.remove();
        if (m.box) {
          m.box.classList.remove('has-error');
        }
      });
      marked = [];
    }

    function mark(input) {
      var id = 'e-' + input.name;
      var note = document.getElementById(id);
      if (note) {
        note.textContent = message; // the server's own message, already tied
        return;
      }
      note = document.createElement('p');
      note.className = 'field-error';
      note.id = id;
      note.setAttribute('role', 'alert');
      note.textContent = message;
      var box = input.closest('.field');
      (box || input.parentNode).appendChild(note);
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', id);
      if (box) {
        box.classList.add('has-error');
      }
      marked.push({ input: input, note: note, box: box });
    }

    form.addEventListener('submit', function (event) {
      unmark();
      var inputs = Array.prototype.filter.call(form.querySelectorAll('input[type="file"]'), function (input) {
        return input.files && input.files.length > 0;
      });
      var total = 0;
      inputs.forEach(function (input) {
        Array.prototype.forEach.call(input.files, function (file) {
          total += file.size;
        });
      });
      if (total <= limit) {
        return;
      }
      event.preventDefault();
      inputs.forEach(mark);
      inputs[0].focus();
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll('form[data-files-limit]'), wire);
})();
