// Relation selects: options come from /graphcrm/choices/<Label>?q=... as the user types,
// so a select over a million customers never loads them all.
$(function () {
  $("select.graphcrm-relation").each(function () {
    var select = $(this);
    select.select2({
      theme: "bootstrap",
      allowClear: !select.prop("multiple"),
      placeholder: "",
      minimumInputLength: 0,
      ajax: {
        url: select.data("endpoint"),
        dataType: "json",
        delay: 200,
        data: function (params) { return { q: params.term || "" }; },
        processResults: function (data) { return data; }
      }
    });
  });
});
