# Sourced by bench/run.sh and bench/remote.sh: the benchmark images, made with
# src/test/conformance/make-images.sh into $IMAGES unless all six files are there already.
# Needs $IMAGES (a folder, relative to the project root) and $out (for make-images.log); sets
# IMAGES to its absolute path.
bench_images() {
  local all_there=1 f
  for f in big.tif big_deflate.tif big.jp2 grey16.tif lab.tif dem_float.tif; do [[ -s $IMAGES/$f ]] || all_there=0; done
  if [[ $all_there == 0 ]]; then
    for tool in vips opj_compress; do
      command -v $tool >/dev/null || { echo "bench: $tool is missing to make the images (apt-get install libvips-tools libopenjp2-tools)" >&2; exit 1; }
    done
    echo "bench: making the images in $IMAGES"
    rm -rf "$IMAGES.partial"; bash src/test/conformance/make-images.sh "$IMAGES.partial" >"$out/make-images.log"
    rm -rf "$IMAGES"; mv "$IMAGES.partial" "$IMAGES"
  fi
  IMAGES=$(cd "$IMAGES" && pwd)
  # big.tif again as vips writes WebP-compressed pyramids (the webptile and webppass workloads).
  if [[ ! -s $IMAGES/big_webp.tif ]] && command -v vips >/dev/null; then
    vips tiffsave "$IMAGES/big.tif" "$IMAGES/big_webp.tif.partial.tif" --tile --pyramid --compression webp --Q 80 \
      --tile-width 256 --tile-height 256 >>"$out/make-images.log" 2>&1 &&
      mv "$IMAGES/big_webp.tif.partial.tif" "$IMAGES/big_webp.tif"
  fi
}
