// Date and time inputs (views/crud/inputs.py WhenInput): people type dates as they like; the
// calendar button opens the browser's own date-and-time picker and writes its choice into
// the text input as "2024-05-20 10:30". graphcrmWhenPickers(root) sets up those under root
// (a record page's dialog calls it for its form).
(function () {
  function toNative(text, dateOnly) {
    var m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}))?/.exec((text || "").trim());
    if (!m) { return ""; }
    var day = m[1] + "-" + m[2] + "-" + m[3];
    return dateOnly ? day : day + "T" + (m[4] || "00") + ":" + (m[5] || "00");
  }
  window.graphcrmWhenPickers = function (root) {
    $(root).find(".graphcrm-when").each(function () {
      var group = $(this);
      var text = group.find("input.form-control");
      var native = group.find(".graphcrm-when-native");
      var dateOnly = native.attr("type") === "date";
      group.find(".graphcrm-when-pick").on("click", function () {
        native.val(toNative(text.val(), dateOnly));
        var input = native.get(0);
        try {
          input.showPicker();
        } catch (e) {
          input.focus();
        }
      });
      native.on("change input", function () {
        var value = native.val();
        if (value) {
          text.val(value.replace("T", " ").slice(0, dateOnly ? 10 : 16)).trigger("change");
        }
      });
    });
  };
  $(function () { window.graphcrmWhenPickers(document); });
})();
