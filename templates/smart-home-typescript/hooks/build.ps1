# Builds the TypeScript Lambda for `ask deploy` on Windows.
#
# The ASK CLI runs hooks/build.ps1 (hooks/build.sh elsewhere) instead of its plain npm build
# when the file exists: in a copy of lambda/, with the path of the zip to produce and the debug
# flag as arguments. This compiles the TypeScript, keeps only runtime dependencies, and zips what
# the Lambda handler "dist/src/index.handler" needs.
param(
  [string]$OutFile = "upload.zip",
  [bool]$DoDebug = $false
)
$ErrorActionPreference = "Stop"

function Invoke-Step([string]$Command) {
  if ($DoDebug) { Write-Host "> $Command" }
  Invoke-Expression $Command
  if ($LASTEXITCODE -ne 0) { throw "'$Command' failed with exit code $LASTEXITCODE" }
}

if (Test-Path package-lock.json) {
  Invoke-Step "npm ci --no-audit --no-fund --quiet"
} else {
  Invoke-Step "npm install --no-audit --no-fund --quiet"
}
Invoke-Step "npm run build --quiet"
Invoke-Step "npm prune --omit=dev --no-audit --no-fund --quiet"
if (Test-Path $OutFile) { Remove-Item $OutFile }
Compress-Archive -Path package.json, dist, node_modules -DestinationPath $OutFile
