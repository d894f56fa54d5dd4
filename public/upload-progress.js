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
      } else {
        document.open();
        document.write(xhr.responseText);
        document.close();
      }
    });
    xhr.addEventListener("error", function () {
      text.textContent = "The upload failed: check your connection and try again.";
    });
    xhr.send(new FormData(form));
  });
})();
