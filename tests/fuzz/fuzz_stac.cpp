// Fuzz target: what a STAC API (any server a user names with --source) sends back and a user's
// area file, as the STAC client reads them:
//   granuleFromStacItem: one item of a search page (CMR-STAC or Planetary Computer shaped),
//                        with and without angle bands and s3 twins
//   intersectsGeometry:  a GeoJSON polygon file (`prithvi search --intersects`)
// The first byte chooses; the rest is the text.

#include <cstddef>
#include <cstdint>
#include <string>

#include <QByteArray>
#include <QJsonDocument>
#include <QUrl>

#include "core/base/Error.h"
#include "core/stac/StacGranule.h"
#include "core/stac/StacSearch.h"
#include "tests/fuzz/FuzzSupport.h"

using prithvi::fuzz::expectOnlyPrithviErrors;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const QByteArray text(reinterpret_cast<const char*>(data + 1), qsizetype(size - 1));
  if (data[0] % 2 == 0) {
    const QJsonDocument document = QJsonDocument::fromJson(text);
    if (!document.isObject()) return 0;
    const QUrl base(QStringLiteral("https://cmr.earthdata.nasa.gov/stac/LPCLOUD/search?cursor=abc"));
    prithvi::GranuleAssetOptions options;
    options.angleBands = data[0] & 2;
    options.s3Hrefs = data[0] & 4;
    expectOnlyPrithviErrors([&] {
      std::string whyNot;
      if (const auto granule = prithvi::granuleFromStacItem(document.object(), base, options, &whyNot))
        for (const prithvi::BandRole role : {prithvi::BandRole::Red, prithvi::BandRole::NIR, prithvi::BandRole::Fmask})
          (void)granule->hrefOf(role);
    });
  } else {
    expectOnlyPrithviErrors([&] { (void)prithvi::intersectsGeometry(text, "the --intersects file"); });
  }
  return 0;
}
