#include "ui/MapExportDialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QIntValidator>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QThreadPool>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "ui/Async.h"
#include "viewers/LayerStack.h"

namespace prithvi {

namespace {

constexpr QSize kPreviewBox(420, 300);

// The threads for previews and exports, off the GUI thread.
QThreadPool& exportPool() {
  static QThreadPool* pool = [] {
    auto* threads = new QThreadPool;
    threads->setMaxThreadCount(2);  // a preview may run beside an export
    threads->setExpiryTimeout(-1);
    return threads;
  }();
  return *pool;
}

QString suffixOf(MapExportFormat format) {
  switch (format) {
    case MapExportFormat::Png: return QStringLiteral("png");
    case MapExportFormat::Pdf: return QStringLiteral("pdf");
    case MapExportFormat::Svg: return QStringLiteral("svg");
    case MapExportFormat::GeoTiff: return QStringLiteral("tif");
  }
  return QStringLiteral("png");
}

QString formatDescription(MapExportFormat format) {
  switch (format) {
    case MapExportFormat::Png: return QObject::tr("PNG image");
    case MapExportFormat::Pdf: return QObject::tr("PDF document (vector text, map at the chosen DPI)");
    case MapExportFormat::Svg: return QObject::tr("SVG drawing");
    case MapExportFormat::GeoTiff: return QObject::tr("GeoTIFF of the view (RGBA, georeferenced; no decorations)");
  }
  return {};
}

// A layer as a title reads it: a file without its extension, a granule as it is named.
QString layerTitle(const ExportLayer& layer) {
  QString name = layer.name.isEmpty() ? QString::fromStdString(layer.reader->scene().id) : layer.name;
  for (const char* extension : {".tif", ".tiff", ".TIF", ".vrt"})
    if (name.endsWith(QLatin1String(extension))) name.chop(int(qstrlen(extension)));
  return name;
}

// The title from the layers shown: the top one, and what lies under it when that is imagery of
// a tile and date ("demo-flood_T13REN_2021-11-05 over HLS.S30.T13REN.2021309T173518.v2.0").
QString defaultTitle(const std::vector<ExportLayer>& layers) {
  if (layers.empty()) return {};
  QString title = layerTitle(layers.back());
  if (layers.size() > 1 && layers.back().style.kind == LayerStyle::Kind::Classes)
    for (auto it = layers.rbegin() + 1; it != layers.rend(); ++it)
      if (it->style.kind != LayerStyle::Kind::Classes) {
        title += QObject::tr(" over %1").arg(layerTitle(*it));
        break;
      }
  return title;
}

// A file name from the top layer's title, without characters file systems dislike.
QString defaultBaseName(const std::vector<ExportLayer>& layers) {
  QString name = layers.empty() ? QString() : layerTitle(layers.back());
  name.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]+")), QStringLiteral("_"));
  return name.isEmpty() ? QStringLiteral("map") : name + QStringLiteral("_map");
}

}  // namespace

MapExportDialog::MapExportDialog(std::vector<ExportLayer> layers, const MapExtent& extent, std::string mapCrs,
                                 QSize viewSize, MapExportFormat format, const QString& defaultFolder, QWidget* parent)
    : QDialog(parent), mLayers(std::move(layers)), mExtent(extent), mMapCrs(std::move(mapCrs)) {
  setWindowTitle(tr("Export Map"));
  setObjectName(QStringLiteral("mapExportDialog"));
  if (!extent.isEmpty()) mAspect = (extent.maxX - extent.minX) / (extent.maxY - extent.minY);
  buildControls();

  mTitle->setText(defaultTitle(mLayers));
  // The topmost layer with a date: a class map on top of its scene usually has none.
  for (auto it = mLayers.rbegin(); it != mLayers.rend(); ++it)
    if (const QDateTime acquired = it->reader->scene().acquired; acquired.isValid()) {
      mDate->setText(acquired.toUTC().date().toString(Qt::ISODate));
      break;
    }
  const QSize size = viewSize.isValid() && !viewSize.isEmpty() ? viewSize : QSize(1600, int(std::lround(1600 / mAspect)));
  mSyncingSize = true;
  mWidth->setValue(std::clamp(size.width(), 1, kMaxExportSide));
  mHeight->setValue(std::clamp(size.height(), 1, kMaxExportSide));
  mSyncingSize = false;
  // Beside the project's other results, never over an earlier export.
  const QDir folder(defaultFolder.isEmpty() ? QDir::homePath() : defaultFolder);
  QString path = folder.filePath(defaultBaseName(mLayers) + QLatin1Char('.') + suffixOf(format));
  for (int n = 2; QFileInfo::exists(path); ++n)
    path = folder.filePath(defaultBaseName(mLayers) + QStringLiteral("-%1.").arg(n) + suffixOf(format));
  setFileName(path);

  mPreviewTimer.setSingleShot(true);
  mPreviewTimer.setInterval(250);
  connect(&mPreviewTimer, &QTimer::timeout, this, &MapExportDialog::renderPreview);
  schedulePreview();
}

MapExportDialog::~MapExportDialog() {
  // The worker finds the dialog gone and drops its result; cancel stops it early and removes
  // its temporary file.
  if (mJob) mJob->cancel();
}

void MapExportDialog::buildControls() {
  auto* form = new QFormLayout;
  mFile = new QLineEdit(this);
  mFile->setObjectName(QStringLiteral("exportFile"));
  auto* browse = new QPushButton(tr("Browse…"), this);
  auto* fileRow = new QHBoxLayout;
  fileRow->addWidget(mFile, 1);
  fileRow->addWidget(browse);
  form->addRow(tr("File:"), fileRow);
  mFormat = new QLabel(this);
  mFormat->setObjectName(QStringLiteral("exportFormat"));
  form->addRow(tr("Format:"), mFormat);
  mTitle = new QLineEdit(this);
  mTitle->setObjectName(QStringLiteral("exportTitle"));
  form->addRow(tr("Title:"), mTitle);
  mDate = new QLineEdit(this);
  mDate->setObjectName(QStringLiteral("exportDate"));
  mDate->setPlaceholderText(tr("e.g. 2021-05-30"));
  form->addRow(tr("Date:"), mDate);

  mWidth = new QSpinBox(this);
  mHeight = new QSpinBox(this);
  for (QSpinBox* box : {mWidth, mHeight}) {
    box->setRange(1, kMaxExportSide);
    box->setSuffix(tr(" px"));
  }
  mWidth->setObjectName(QStringLiteral("exportWidth"));
  mHeight->setObjectName(QStringLiteral("exportHeight"));
  mKeepAspect = new QCheckBox(tr("Keep the view's shape"), this);
  mKeepAspect->setChecked(true);
  auto* sizeRow = new QHBoxLayout;
  sizeRow->addWidget(mWidth);
  sizeRow->addWidget(new QLabel(QStringLiteral("×"), this));
  sizeRow->addWidget(mHeight);
  sizeRow->addWidget(mKeepAspect);
  sizeRow->addStretch(1);
  form->addRow(tr("Size:"), sizeRow);
  mPaper = new QComboBox(this);
  mPaper->setObjectName(QStringLiteral("exportPaper"));
  mPaper->addItem(tr("Pixels (as above)"), -1);
  mPaper->addItem(tr("A4"), int(QPageSize::A4));
  mPaper->addItem(tr("A3"), int(QPageSize::A3));
  mPaper->addItem(tr("Letter"), int(QPageSize::Letter));
  mOrientation = new QComboBox(this);
  mOrientation->setObjectName(QStringLiteral("exportOrientation"));
  mOrientation->addItem(tr("Landscape"), true);
  mOrientation->addItem(tr("Portrait"), false);
  auto* paperRow = new QHBoxLayout;
  paperRow->addWidget(mPaper);
  paperRow->addWidget(mOrientation);
  paperRow->addStretch(1);
  form->addRow(tr("Paper:"), paperRow);
  mDpi = new QComboBox(this);
  mDpi->setObjectName(QStringLiteral("exportDpi"));
  mDpi->setEditable(true);
  mDpi->addItems({QStringLiteral("96"), QStringLiteral("150"), QStringLiteral("300"), QStringLiteral("600")});
  mDpi->setValidator(new QIntValidator(10, 2400, mDpi));
  form->addRow(tr("Resolution (DPI):"), mDpi);

  auto* decorations = new QGroupBox(tr("Show"), this);
  auto* decorationRow = new QHBoxLayout(decorations);
  mLegend = new QCheckBox(tr("Legend"), decorations);
  mScaleBar = new QCheckBox(tr("Scale bar"), decorations);
  mNorthArrow = new QCheckBox(tr("North arrow"), decorations);
  mCrsText = new QCheckBox(tr("CRS and date"), decorations);
  for (QCheckBox* box : {mLegend, mScaleBar, mNorthArrow, mCrsText}) {
    box->setChecked(true);
    decorationRow->addWidget(box);
  }

  mPreviewLabel = new QLabel(this);
  mPreviewLabel->setObjectName(QStringLiteral("exportPreview"));
  mPreviewLabel->setFixedSize(kPreviewBox);
  mPreviewLabel->setAlignment(Qt::AlignCenter);
  mPreviewLabel->setStyleSheet(QStringLiteral("QLabel { background: #8a8f96; }"));
  mPreviewLabel->setWordWrap(true);

  mMessage = new QLabel(this);
  mMessage->setObjectName(QStringLiteral("exportMessage"));
  mMessage->setWordWrap(true);
  mMessage->setTextInteractionFlags(Qt::TextSelectableByMouse);
  mProgress = new QProgressBar(this);
  mProgress->setRange(0, 1000);
  mProgress->setVisible(false);

  auto* buttons = new QDialogButtonBox(this);
  mExportButton = buttons->addButton(tr("Export"), QDialogButtonBox::AcceptRole);
  mExportButton->setObjectName(QStringLiteral("exportButton"));
  mCancelButton = buttons->addButton(tr("Cancel export"), QDialogButtonBox::ActionRole);
  mCancelButton->setEnabled(false);
  buttons->addButton(QDialogButtonBox::Close);

  auto* left = new QVBoxLayout;
  left->addLayout(form);
  left->addWidget(decorations);
  left->addStretch(1);
  auto* top = new QHBoxLayout;
  top->addLayout(left, 1);
  top->addWidget(mPreviewLabel, 0, Qt::AlignTop);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(mProgress);
  layout->addWidget(mMessage);
  layout->addWidget(buttons);

  connect(browse, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export map"), fileName(),
        tr("PNG image (*.png);;PDF document (*.pdf);;SVG drawing (*.svg);;GeoTIFF of the view (*.tif)"));
    if (!path.isEmpty()) setFileName(path);
  });
  connect(mFile, &QLineEdit::textChanged, this, &MapExportDialog::onFileNameChanged);
  connect(mWidth, &QSpinBox::valueChanged, this, &MapExportDialog::onWidthChanged);
  connect(mHeight, &QSpinBox::valueChanged, this, &MapExportDialog::onHeightChanged);
  connect(mTitle, &QLineEdit::textChanged, this, &MapExportDialog::schedulePreview);
  connect(mDate, &QLineEdit::textChanged, this, &MapExportDialog::schedulePreview);
  connect(mDpi, &QComboBox::currentTextChanged, this, [this] {
    showPaperPixels();
    schedulePreview();
  });
  for (QComboBox* combo : {mPaper, mDpi}) connect(combo, &QComboBox::activated, this, [this] { mPaperChosen = true; });
  for (QComboBox* combo : {mPaper, mOrientation})
    connect(combo, &QComboBox::currentIndexChanged, this, [this] {
      showPaperPixels();
      schedulePreview();
    });
  for (QCheckBox* box : {mLegend, mScaleBar, mNorthArrow, mCrsText})
    connect(box, &QCheckBox::toggled, this, &MapExportDialog::schedulePreview);
  connect(buttons, &QDialogButtonBox::accepted, this, &MapExportDialog::startExport);
  connect(mCancelButton, &QPushButton::clicked, this, &MapExportDialog::cancelExport);
  connect(buttons, &QDialogButtonBox::rejected, this, &MapExportDialog::reject);
}

QString MapExportDialog::fileName() const { return mFile->text().trimmed(); }

void MapExportDialog::setFileName(const QString& path) { mFile->setText(path); }

bool MapExportDialog::geoTiffChosen() const {
  try {
    return mapExportFormatOf(fileName().toStdString()) == MapExportFormat::GeoTiff;
  } catch (const Error&) {
    return false;
  }
}

void MapExportDialog::onFileNameChanged() {
  QString description;
  try {
    description = formatDescription(mapExportFormatOf(fileName().toStdString()));
  } catch (const Error&) {
    description = tr("unknown: end the file name with .png, .pdf, .svg or .tif");
  }
  mFormat->setText(description);
  // A GeoTIFF is data, not a page: no title, decorations, paper or DPI.
  const bool page = !geoTiffChosen();
  for (QWidget* widget : std::initializer_list<QWidget*>{mTitle, mDate, mDpi, mLegend, mScaleBar, mNorthArrow, mCrsText, mPaper, mOrientation})
    widget->setEnabled(page);
  // A PDF is for print: a paper size at 300 DPI unless the user chose otherwise.
  const bool pdf = fileName().endsWith(QLatin1String(".pdf"), Qt::CaseInsensitive);
  if (pdf && !mPaperChosen) {
    const QSignalBlocker blockPaper(mPaper), blockDpi(mDpi);
    mPaper->setCurrentIndex(mPaper->findData(int(QPageSize::A4)));
    mDpi->setCurrentText(QStringLiteral("300"));
  } else if (!pdf && !mPaperChosen) {
    const QSignalBlocker blockPaper(mPaper), blockDpi(mDpi);
    mPaper->setCurrentIndex(0);
    mDpi->setCurrentText(QStringLiteral("96"));
  }
  showPaperPixels();
  schedulePreview();
}

void MapExportDialog::onWidthChanged(int width) {
  if (mSyncingSize) return;
  if (mKeepAspect->isChecked()) {
    mSyncingSize = true;
    mHeight->setValue(std::clamp(int(std::lround(width / mAspect)), 1, kMaxExportSide));
    mSyncingSize = false;
  }
  schedulePreview();
}

void MapExportDialog::onHeightChanged(int height) {
  if (mSyncingSize) return;
  if (mKeepAspect->isChecked()) {
    mSyncingSize = true;
    mWidth->setValue(std::clamp(int(std::lround(height * mAspect)), 1, kMaxExportSide));
    mSyncingSize = false;
  }
  schedulePreview();
}

void MapExportDialog::showPaperPixels() {
  const bool paper = mPaper->currentData().toInt() >= 0 && !geoTiffChosen();
  mOrientation->setEnabled(paper);
  for (QWidget* widget : std::initializer_list<QWidget*>{mWidth, mHeight, mKeepAspect}) widget->setEnabled(!paper);
  const QSignalBlocker blockWidth(mWidth), blockHeight(mHeight);
  if (!paper) {
    // Back to pixels: the size the user had before the paper.
    if (mPixelsBeforePaper) {
      mWidth->setValue(mPixelsBeforePaper->width());
      mHeight->setValue(mPixelsBeforePaper->height());
      mPixelsBeforePaper.reset();
    }
    return;
  }
  if (!mPixelsBeforePaper) mPixelsBeforePaper = QSize(mWidth->value(), mHeight->value());
  // The page in pixels at this DPI, shown where the pixel size is typed.
  const QSize pixels = request().pixelSize();
  mWidth->setValue(std::clamp(pixels.width(), 1, kMaxExportSide));
  mHeight->setValue(std::clamp(pixels.height(), 1, kMaxExportSide));
}

double MapExportDialog::dpi() const {
  bool ok = false;
  const double value = mDpi->currentText().toDouble(&ok);
  return ok ? value : 0;
}

MapExportRequest MapExportDialog::request() const {
  MapExportRequest request;
  request.layers = mLayers;
  request.extent = mExtent;
  request.mapCrs = mMapCrs;
  request.size = QSize(mWidth->value(), mHeight->value());
  request.dpi = dpi();
  if (const int paper = mPaper->currentData().toInt(); paper >= 0 && !geoTiffChosen()) {
    request.pageSize = QPageSize(QPageSize::PageSizeId(paper));
    request.landscape = mOrientation->currentData().toBool();
  }
  const bool page = !geoTiffChosen();
  request.title = page ? mTitle->text().trimmed() : QString();
  request.dateText = mDate->text().trimmed();
  request.legend = page && mLegend->isChecked();
  request.scaleBar = page && mScaleBar->isChecked();
  request.northArrow = page && mNorthArrow->isChecked();
  request.crsText = page && mCrsText->isChecked();
  return request;
}

void MapExportDialog::schedulePreview() { mPreviewTimer.start(); }

void MapExportDialog::renderPreview() {
  // The same page at a lower resolution: the layout keeps its proportions.
  MapExportRequest preview = request();
  const QSize full = preview.pixelSize();
  if (full.isEmpty() || preview.dpi <= 0) return;
  const double shrink = std::min({1.0, double(kPreviewBox.width()) / full.width(), double(kPreviewBox.height()) / full.height()});
  preview.size = QSize(std::max(1, int(full.width() * shrink)), std::max(1, int(full.height() * shrink)));
  preview.dpi = std::max(1.0, preview.dpi * shrink);
  const int generation = ++mPreviewGeneration;
  runAsync<QImage>(
      exportPool(), this, [preview] { return renderMapPage(preview); },
      [this, generation](std::optional<QImage> image, const std::string& error) {
        if (generation != mPreviewGeneration) return;  // a newer preview is on its way
        if (!image) {
          mPreview = QImage();
          mPreviewLabel->setPixmap(QPixmap());
          mPreviewLabel->setText(QString::fromStdString(error));
        } else {
          mPreview = *image;
          mPreviewLabel->setPixmap(QPixmap::fromImage(mPreview));
        }
        Q_EMIT previewUpdated();
      });
}

void MapExportDialog::startExport() {
  if (mJob) return;
  const MapExportRequest exportRequest = request();
  const std::string path = fileName().toStdString();
  mMessage->setStyleSheet(QString());
  mMessage->setText(tr("Exporting…"));
  mProgress->setValue(0);
  mProgress->setVisible(true);
  mExportButton->setEnabled(false);
  mCancelButton->setEnabled(true);
  auto job = std::make_shared<Feedback>();
  mJob = job;
  QPointer<MapExportDialog> guard(this);
  job->setProgressCallback([guard](int64_t step, int64_t total, const std::string&) {
    const int value = total > 0 ? int(std::clamp<int64_t>(step * 1000 / total, 0, 1000)) : 0;
    QMetaObject::invokeMethod(
        guard.data(), [guard, value] {
          if (guard) guard->mProgress->setValue(value);
        },
        Qt::QueuedConnection);
  });
  auto timer = std::make_shared<QElapsedTimer>();
  timer->start();
  Q_EMIT exportStarted(tr("Export %1").arg(QFileInfo(QString::fromStdString(path)).fileName()), job);
  runAsync<bool>(
      exportPool(), this,
      [exportRequest, path, job] {
        exportMap(exportRequest, path, job.get());
        return true;
      },
      [this, path, timer, job](std::optional<bool> ok, const std::string& error) {
        if (ok)
          finishExport(true, tr("Wrote %1 in %2 s.").arg(QString::fromStdString(path)).arg(timer->elapsed() / 1000.0, 0, 'f', 1));
        else if (job->isCanceled())
          finishExport(false, tr("Export canceled; %1 was left as it was.").arg(QString::fromStdString(path)));
        else
          finishExport(false, QString::fromStdString(error));
      });
}

void MapExportDialog::cancelExport() {
  if (mJob) {
    mJob->cancel();
    mMessage->setText(tr("Canceling…"));
  }
}

void MapExportDialog::finishExport(bool ok, const QString& message) {
  mJob.reset();
  mProgress->setVisible(false);
  mExportButton->setEnabled(true);
  mCancelButton->setEnabled(false);
  mMessage->setStyleSheet(ok ? QString() : QStringLiteral("QLabel { color: #c0392b; }"));
  mMessage->setText(message);
  Q_EMIT exportFinished(ok, message);
}

void MapExportDialog::reject() {
  cancelExport();  // closing the dialog stops the export; nothing is left behind
  QDialog::reject();
}

MapExportDialog* openMapExportDialog(QWidget* parent, const LayerStack& layers, const MapExtent& extent,
                                     const std::string& mapCrs, QSize viewSize, MapExportFormat format,
                                     const QString& defaultFolder) {
  auto* dialog = new MapExportDialog(visibleExportLayers(layers), extent, mapCrs, viewSize, format, defaultFolder, parent);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->open();
  return dialog;
}

}  // namespace prithvi
