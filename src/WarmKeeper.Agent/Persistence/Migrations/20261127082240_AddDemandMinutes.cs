using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WarmKeeper.Agent.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class AddDemandMinutes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
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

            migrationBuilder.CreateIndex(
                name: "IX_demand_minutes_MinuteUnix",
                table: "demand_minutes",
                column: "MinuteUnix");

            migrationBuilder.CreateIndex(
                name: "IX_demand_minutes_Target_Function_Qualifier_MinuteUnix",
                table: "demand_minutes",
                columns: new[] { "Target", "Function", "Qualifier", "MinuteUnix" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "demand_minutes");
        }
    }
}
