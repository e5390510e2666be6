/* The visit form (走访记录) through the outbox, so that a visit is saved without signal: the form
   becomes an outbox item POST /api/patrols/visits {house_id | key_person_id, findings, needs,
   follow_up, follow_up_due, lon, lat, visited_at, client_id}; the server stores a client_id once,
   so a visit sent twice is one visit. With signal the page then opens the visit (its "report as
   an event" button); refused (a 4xx), the form shows why and the item is dropped so the worker
   can correct and save again; without signal it says the visit waits on the phone. Without
   JavaScript the form posts to the page as before. */
(function () {
  "use strict";
  var Q = window.JWQueue, form = document.getElementById("visit-form");
  if (!Q || !form) return;
  function $(id) { return document.getElementById(id); }
  function val(name) { return (form.elements[name] && form.elements[name].value || "").trim(); }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var key = val("client_id") || Q.uuid();
    var body = {client_id: key, visited_at: new Date().toISOString(), findings: val("findings"), needs: val("needs"),
                follow_up: val("follow_up")};
    if (form.dataset.keyPerson) body.key_person_id = parseInt(form.dataset.keyPerson, 10);
    else body.house_id = parseInt(form.dataset.house, 10);
    if (val("follow_up_due")) body.follow_up_due = val("follow_up_due");
    if (val("lon") && val("lat")) { body.lon = parseFloat(val("lon")); body.lat = parseFloat(val("lat")); }
    $("save-visit").disabled = true;
    $("visit-refused").hidden = true;
    Q.addPost(key, form.dataset.api, body, form.dataset.label).then(function () {
      if (!navigator.onLine) return null;
      return window.JWGrid ? window.JWGrid.send() : Q.flush();
    }).then(function (r) {
      var sent = r && r.sent.filter(function (s) { return s.key === key; })[0];
      if (sent && sent.data && sent.data.id) { window.location.href = "/grid/visits/" + sent.data.id + "/"; return; }
      return Q.list().then(function (items) {
        var item = items.filter(function (it) { return it.key === key; })[0];
        if (item && item.error) {  // refused: say why, let the worker correct it
          $("visit-refused").textContent = item.error;
          $("visit-refused").hidden = false;
          $("save-visit").disabled = false;
          return Q.remove(key).then(function () { return window.JWGrid && window.JWGrid.refresh(); });
        }
        form.hidden = true;
        $("visit-queued").hidden = false;
      });
    });
  });
})();
