FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore inputs only, so the restore layer is reused until a package or project file changes.
# (.editorconfig too: its analyzer rules fail the build under TreatWarningsAsErrors, same as on a dev box.)
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/PushGateway/PushGateway.csproj src/PushGateway/
RUN dotnet restore src/PushGateway -r linux-x64 -p:SelfContained=true -p:PublishReadyToRun=true
# Sources plus the top-level wwwroot/ that the csproj links into the publish output.
COPY src/ src/
COPY wwwroot/ wwwroot/
# Self-contained with composite ReadyToRun: the app and the whole framework precompiled as one unit
# (calls across assemblies inlined), so a fresh container is at full speed about two seconds after
# start under load, instead of waiting for tiered compilation on a busy core (bench/README.md).
# No compiler/MSBuild servers: nothing left running (or as stray sockets) in the build layer.
RUN dotnet publish src/PushGateway -c Release -r linux-x64 --self-contained true -p:PublishReadyToRun=true \
    -p:PublishReadyToRunComposite=true -o /app --no-restore --disable-build-servers

# The runtime ships inside /app: only its native dependencies are needed.
FROM mcr.microsoft.com/dotnet/runtime-deps:10.0
WORKDIR /app
COPY --from=build /app .
# Non-root user (uid 1654) that the official .NET images provide.
USER $APP_UID
# Explicit, although the base image sets the same; override at `docker run -e` to move the port.
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
# Ready = /readyz answers 200 (Redis reachable when configured; not draining). The binary probes itself, so the
# image needs no curl or wget. Failures during the start period do not count.
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 CMD ["./PushGateway", "healthcheck"]
ENTRYPOINT ["./PushGateway"]
