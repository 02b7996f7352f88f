using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WarmKeeper.Agent.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "concurrency_policies",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Target = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Function = table.Column<string>(type: "TEXT", maxLength: 140, nullable: false),
                    Qualifier = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Document = table.Column<string>(type: "TEXT", nullable: false),
                    Revision = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedUnixMs = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedUnixMs = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_concurrency_policies", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "demand_minutes",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Target = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Function = table.Column<string>(type: "TEXT", maxLength: 140, nullable: false),
                    Qualifier = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    MinuteUnix = table.Column<long>(type: "INTEGER", nullable: false),
                    MaxInFlight = table.Column<int>(type: "INTEGER", nullable: false),
                    MeanInFlight = table.Column<double>(type: "REAL", nullable: false),
                    MeanOfMaxInFlight = table.Column<double>(type: "REAL", nullable: false),
                    Arrivals = table.Column<int>(type: "INTEGER", nullable: false),
                    ColdStarts = table.Column<int>(type: "INTEGER", nullable: false),
                    Throttles = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_demand_minutes", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "events",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TimeUnixMs = table.Column<long>(type: "INTEGER", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Target = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    Function = table.Column<string>(type: "TEXT", maxLength: 140, nullable: true),
                    Qualifier = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    PolicyId = table.Column<string>(type: "TEXT", nullable: true),
                    Actor = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Summary = table.Column<string>(type: "TEXT", nullable: false),
                    Data = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_events", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "rate_limits",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Target = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Spec = table.Column<string>(type: "TEXT", nullable: false),
                    Revision = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedUnixMs = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedUnixMs = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rate_limits", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "warmup_policies",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Target = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Function = table.Column<string>(type: "TEXT", maxLength: 140, nullable: false),
                    Qualifier = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    Schedule = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    TimeZone = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    FanOut = table.Column<int>(type: "INTEGER", nullable: false),
                    PayloadFormat = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    CustomPayload = table.Column<string>(type: "TEXT", nullable: true),
                    HoldMs = table.Column<int>(type: "INTEGER", nullable: false),
                    ActiveWindow = table.Column<string>(type: "TEXT", nullable: true),
                    Enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    Verify = table.Column<bool>(type: "INTEGER", nullable: false),
                    TopUpBudget = table.Column<int>(type: "INTEGER", nullable: true),
                    Revision = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedUnixMs = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedUnixMs = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_warmup_policies", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_concurrency_policies_Target_Function_Qualifier",
                table: "concurrency_policies",
                columns: new[] { "Target", "Function", "Qualifier" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_demand_minutes_MinuteUnix",
                table: "demand_minutes",
                column: "MinuteUnix");

            migrationBuilder.CreateIndex(
                name: "IX_demand_minutes_Target_Function_Qualifier_MinuteUnix",
                table: "demand_minutes",
                columns: new[] { "Target", "Function", "Qualifier", "MinuteUnix" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_events_Function_TimeUnixMs",
                table: "events",
                columns: new[] { "Function", "TimeUnixMs" });

            migrationBuilder.CreateIndex(
                name: "IX_events_Kind_TimeUnixMs",
                table: "events",
                columns: new[] { "Kind", "TimeUnixMs" });

            migrationBuilder.CreateIndex(
                name: "IX_events_TimeUnixMs",
                table: "events",
                column: "TimeUnixMs");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "concurrency_policies");

            migrationBuilder.DropTable(
                name: "demand_minutes");

            migrationBuilder.DropTable(
                name: "events");

            migrationBuilder.DropTable(
                name: "rate_limits");

            migrationBuilder.DropTable(
                name: "warmup_policies");
        }
    }
}
