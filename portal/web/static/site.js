/* Progressive enhancements: every page works without this script. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function each(selector, fn, root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn);
  }

  // Selects that apply themselves (sort order, metadata profile).
  each("select[data-autosubmit]", function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Confirmation before destructive actions.
  each("form[data-confirm]", function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  // Repeating rows (profile fields of the "items" kind, e.g. data items).
  each("[data-items]", function (box) {
    var body = box.querySelector("[data-rows]");
    var template = box.querySelector("template[data-row-template]");
    var name = box.getAttribute("data-items");
    function nextIndex() {
      var max = -1;
      each("[name^='" + name + "-']", function (input) {
        var index = parseInt(input.name.split("-")[1], 10);
        if (!isNaN(index) && index > max) { max = index; }
      }, body);
      return max + 1;
    }
    function renumber() {
      each("[data-row]", function (row, i) {
        each("[data-row-number]", function (span) { span.textContent = String(i + 1); }, row);
      }, body);
    }
    box.addEventListener("click", function (event) {
      var remove = event.target.closest("[data-remove-row]");
      if (remove) {
        var row = remove.closest("[data-row]");
        var focusTarget = row.previousElementSibling || row.nextElementSibling;
        row.parentNode.removeChild(row);
        renumber();
        var control = focusTarget ? focusTarget.querySelector("input, select") : box.querySelector("[data-add-row]");
        if (control) { control.focus(); }
      }
      if (event.target.closest("[data-add-row]")) {
        var html = template.innerHTML.replace(/__index__/g, String(nextIndex()));
        body.insertAdjacentHTML("beforeend", html);
        renumber();
        var added = body.lastElementChild.querySelector("input, select");
        if (added) { added.focus(); }
      }
    });
  });

  // A URL name suggested from the English title until the user types one.
  each("input[data-slug-from]", function (slug) {
    var source = document.getElementById(slug.getAttribute("data-slug-from"));
    if (!source) { return; }
    var touched = slug.value !== "";
    slug.addEventListener("input", function () { touched = slug.value !== ""; });
    source.addEventListener("input", function () {
      if (touched) { return; }
      slug.value = source.value.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "").slice(0, 100);
    });
  });

  // Uploads: a size check before sending, and a progress bar from XHR progress events.
  each("form[data-upload]", function (form) {
    var input = form.querySelector("input[type=file]");
    var tooLarge = document.getElementById("upload-too-large");
    var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10);
    var box = form.querySelector("[data-progress]");
    var bar = box.querySelector("progress");
    var text = box.querySelector("[data-progress-text]");
    var submitter = null;
    function fileTooLarge() {
      var file = input.files && input.files[0];
      var large = Boolean(file && maxBytes && file.size > maxBytes);
      tooLarge.hidden = !large;
      input.setAttribute("aria-invalid", large ? "true" : "false");
      return large;
    }
    input.addEventListener("change", fileTooLarge);
    form.addEventListener("click", function (event) {
      if (event.target.closest("button[type=submit]")) { submitter = event.target.closest("button"); }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (fileTooLarge()) { input.focus(); return; }
      var data = new FormData(form);
      if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        var percent = Math.round((e.loaded / e.total) * 100);
        bar.value = percent;
        text.textContent = percent + "%";
      });
      xhr.addEventListener("load", function () {
        if (xhr.status < 400 && xhr.responseURL && xhr.responseURL !== (form.action || window.location.href)) {
          window.location.assign(xhr.responseURL);
          return;
        }
        document.open();
        document.write(xhr.responseText);
        document.close();
      });
      xhr.addEventListener("error", function () {
        box.hidden = true;
        form.submit();
      });
      each("button", function (b) { b.disabled = true; }, form);
      box.hidden = false;
      xhr.send(data);
    });
  });

  // Search suggestions (titles in Chinese, pinyin or pinyin initials).
  each("input[data-autocomplete]", function (input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    var url = input.getAttribute("data-autocomplete");
    var items = [];
    var active = -1;
    var timer = null;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-expanded", "false");
    function close() {
      list.hidden = true;
      list.innerHTML = "";
      items = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function mark(index) {
      active = index;
      each("li", function (li, i) { li.setAttribute("aria-selected", i === index ? "true" : "false"); }, list);
      if (index >= 0) { input.setAttribute("aria-activedescendant", "suggestion-" + index); }
    }
    function go(item) { window.location.assign("/dataset/" + encodeURIComponent(item.name)); }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (!q) { close(); return; }
      timer = setTimeout(function () {
        fetch(url + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (found) {
            if (input.value.trim() !== q) { return; }
            close();
            items = found.slice(0, 8);
            if (!items.length) { return; }
            items.forEach(function (item, i) {
              var li = document.createElement("li");
              li.id = "suggestion-" + i;
              li.setAttribute("role", "option");
              li.setAttribute("aria-selected", "false");
              li.textContent = item.title;
              li.addEventListener("mousedown", function (e) { e.preventDefault(); go(item); });
              list.appendChild(li);
            });
            list.hidden = false;
            input.setAttribute("aria-expanded", "true");
          })
          .catch(close);
      }, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") { event.preventDefault(); mark((active + 1) % items.length); }
      else if (event.key === "ArrowUp") { event.preventDefault(); mark((active - 1 + items.length) % items.length); }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Enter" && active >= 0) { event.preventDefault(); go(items[active]); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  });
})();
