// Relation selects: options come from /graphcrm/choices/<Label>?q=... as the user types,
// so a select over a million customers never loads them all. graphcrmRelationSelects(root,
// parent) sets up those under root (a record page's dialog passes itself as the parent of
// the drop-down, so its search box can take the focus).
window.graphcrmRelationSelects = function (root, parent) {
  $(root).find("select.graphcrm-relation").each(function () {
    var select = $(this);
    select.select2({
      theme: "bootstrap",
      allowClear: !select.prop("multiple"),
      placeholder: "",
      minimumInputLength: 0,
      dropdownParent: parent || $(document.body),
      ajax: {
        url: select.data("endpoint"),
        dataType: "json",
        delay: 200,
        data: function (params) { return { q: params.term || "" }; },
        processResults: function (data) { return data; }
      }
    });
  });
};
$(function () { window.graphcrmRelationSelects(document); });
