// Front-Channel Logout 1.0 section 4: go on to the post-logout redirect URI once every app's logout iframe
// has loaded (or after a few seconds, so one slow app cannot keep the person here). Without JavaScript the
// Continue link does the same. This script runs before the iframes are parsed, so no load event is missed
// (load does not bubble, but a capturing listener on the document sees it).
(function () {
  "use strict";
  var pending = parseInt(document.currentScript.getAttribute("data-frames"), 10) || 0;
  var done = false;
  function go() {
    var link = document.getElementById("continue");
    if (!done && link) { done = true; window.location.replace(link.href); }
  }
  document.addEventListener("load", function (event) {
    if (event.target.tagName === "IFRAME" && event.target.classList.contains("frontchannel")) {
      pending -= 1;
      if (pending <= 0) go();
    }
  }, true);
  window.setTimeout(go, 5000);
})();
