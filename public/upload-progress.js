// Upload progress for the /upload form, when JavaScript is on. Without it the
// form posts as usual; with it the same POST is sent by XMLHttpRequest so the
// page can show how much has been sent, then follows the server's redirect to
// the report exactly as the plain form would.
(function () {
  var form = document.querySelector("form[data-upload]");
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  var box = document.getElementById("upload-progress");
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    box.hidden = false;
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      var pct = Math.round((e.loaded / e.total) * 100);
      bar.value = pct;
      text.textContent = pct < 100 ? "Uploading: " + pct + "% sent" : "Uploaded. Checking the files…";
    });
    xhr.addEventListener("load", function () {
      if (xhr.status >= 200 && xhr.status < 300 && xhr.responseURL) {
        window.location.assign(xhr.responseURL);
      } else if ((xhr.getResponseHeader("Content-Type") || "").indexOf("text/html") === 0) {
        // The server's own page (the 413 page, say): shown as it is.
        document.open();
        document.write(xhr.responseText);
        document.close();
      } else {
        // Plain text may hold a file name: never parse it as HTML.
        text.textContent = xhr.responseText;
      }
    });
    xhr.addEventListener("error", function () {
      text.textContent = "The upload failed: check your connection and try again.";
    });
    xhr.send(new FormData(form));
  });
})();
