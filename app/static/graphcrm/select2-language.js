// Select2's own texts (the clear button's "Remove all items", "No results found", ...) in the
// page's language, from the words the server put in #select2-words. Set as the default
// before any picker is built, then FAB's pickers (whose placeholder FAB writes in English)
// are given the translated placeholder.
(function () {
  var source = document.getElementById("select2-words");
  if (!source || !$.fn.select2) return;
  var words = JSON.parse(source.textContent);
  $.fn.select2.defaults.set("language", {
    removeAllItems: function () { return words.removeAllItems; },
    removeItem: function () { return words.removeItem; },
    noResults: function () { return words.noResults; },
    searching: function () { return words.searching; },
    loadingMore: function () { return words.loadingMore; },
    errorLoading: function () { return words.errorLoading; }
  });
  $(function () {
    $(".my_select2").each(function () {
      var select = $(this);
      if (select.data("select2")) select.select2("destroy");
      select.select2({ placeholder: words.placeholder, allowClear: true, theme: "bootstrap" });
    });
  });
})();
