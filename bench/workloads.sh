# Sourced by bench/run.sh and bench/remote.sh: the workloads of bench/workload.lua.
# desc[NAME] describes one; setup_workload NAME exports BENCH_MODE, BENCH_QUERY, BENCH_IMAGE and
# BENCH_SEED (from $SEED) for workload.lua, and sets cache (default or off: the tile store run.sh
# gives both servers) and probe (one query of the workload, asked with curl before measuring), and
# ref_serves (0 when iipsrv 1.1 cannot answer the workload at all: WTL and ATL tiles; run.sh then
# measures ours alone). The viewer workload is not wrk's: run.sh replays recorded OpenSeadragon
# sessions with ViewerTraffic (src/test/java/.../testsupport) instead (bench/remote.sh cannot run it).
declare -A desc=(
  [hot]="hot tile FIF=big.tif&JTL=5,300, default caches"
  [deflate]="random full-res tiles big_deflate.tif, caches off"
  [jpeg]="random full-res tiles big.tif (JPEG), caches off"
  [region]="random 1024x1024 RGN of big.tif at WID=512, caches off"
  [dregion]="random 1024x1024 RGN of big_deflate.tif at WID=512, caches off"
  [iiiftile]="random full-res tiles of big.tif as IIIF x,y,256,256/256, requests, caches off"
  [iiifregion]="random 1024x1024 IIIF regions of big.tif at 512, caches off"
  [jp2tile]="random full-res tiles of big.jp2 (untiled JPEG2000), caches off"
  [jp2region]="random 1024x1024 IIIF regions of big.jp2 at 512, caches off"
  [webptile]="random full-res tiles of big_webp.tif (WebP-compressed TIFF) as JPEG (decoded), caches off"
  [webppass]="random full-res tiles of big_webp.tif as WebP (WTL: passed through as stored), caches off"
  [aviftile]="random full-res tiles of big.tif as AVIF (ATL: decoded and AVIF-encoded), caches off"
  [viewer]="16 OpenSeadragon viewers replaying recorded sessions (IIIF and DeepZoom; big.tif, big_deflate.tif, big.jp2), default caches")
setup_workload() {
  export BENCH_SEED=$SEED BENCH_QUERY= BENCH_IMAGE=big.tif BENCH_TILE=JTL
  ref_serves=1
  case $1 in
    hot) cache=default; BENCH_MODE=fixed; BENCH_QUERY='FIF=big.tif&JTL=5,300'; probe=$BENCH_QUERY ;;
    deflate) cache=off; BENCH_MODE=tile; BENCH_IMAGE=big_deflate.tif; probe='FIF=big_deflate.tif&JTL=5,0' ;;
    jpeg) cache=off; BENCH_MODE=tile; probe='FIF=big.tif&JTL=5,0' ;;
    region) cache=off; BENCH_MODE=region; probe='FIF=big.tif&RGN=0,0,0.125,0.16666667&WID=512&CVT=jpeg' ;;
    dregion) cache=off; BENCH_MODE=region; BENCH_IMAGE=big_deflate.tif
      probe='FIF=big_deflate.tif&RGN=0,0,0.125,0.16666667&WID=512&CVT=jpeg' ;;
    iiiftile) cache=off; BENCH_MODE=iiiftile; probe='IIIF=big.tif/256,256,256,256/256,/0/default.jpg' ;;
    iiifregion) cache=off; BENCH_MODE=iiifregion; probe='IIIF=big.tif/0,0,1024,1024/512,/0/default.jpg' ;;
    jp2tile) cache=off; BENCH_MODE=tile; BENCH_IMAGE=big.jp2; probe='FIF=big.jp2&JTL=5,0' ;;
    jp2region) cache=off; BENCH_MODE=iiifregion; BENCH_IMAGE=big.jp2; probe='IIIF=big.jp2/0,0,1024,1024/512,/0/default.jpg' ;;
    webptile) cache=off; BENCH_MODE=tile; BENCH_IMAGE=big_webp.tif; probe='FIF=big_webp.tif&JTL=5,0' ;;
    webppass) cache=off; BENCH_MODE=tile; BENCH_IMAGE=big_webp.tif; BENCH_TILE=WTL; ref_serves=0; probe='FIF=big_webp.tif&WTL=5,0' ;;
    aviftile) cache=off; BENCH_MODE=tile; BENCH_TILE=ATL; ref_serves=0; probe='FIF=big.tif&ATL=5,0' ;;
    viewer) cache=default; BENCH_MODE=viewer; probe='IIIF=big.tif/0,0,256,256/256,256/0/default.jpg' ;;
    *) echo "bench: unknown workload $1" >&2; exit 1 ;;
  esac
  export BENCH_MODE BENCH_QUERY BENCH_IMAGE BENCH_TILE
}
